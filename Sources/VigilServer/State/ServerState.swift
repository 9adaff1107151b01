import ServiceLifecycle
package import VigilCore
import VigilIngest
import VigilStore
import VigilSync

/// What the services of one `vigil serve` share, by concern: each piece guards its own state and
/// says what can be done with it. The wake-ups are how services nudge each other.
package final class ServerState: Sendable {
  package let startedMs = WallClock.nowMs()
  /// Calls stored, failed writes, sources, the HTTP intake's answers and spool.
  package let intake = IntakeState()
  /// The last evaluation and its timing.
  package let evaluation = EvaluationState()
  /// The rules in effect and the reloads.
  package let rules: RulesState
  /// The ports bound.
  package let listeners = ListenerState()
  /// Delivery outcomes.
  package let delivery = DeliveryState()
  /// Remote-write receivers' progress.
  package let remoteWrite = RemoteWriteState()
  /// Woken when calls are stored (the evaluation loop evaluates soon after), and when messages
  /// are queued (the delivery loop sends them).
  let dataArrived = Wakeup()
  let messagesQueued = Wakeup()
  /// Signalled when the HTTP intake spools a request: the drain stores it at once.
  let spoolAppended = ThreadWakeup()

  package init(rules: RuleSet = RuleSet()) {
    self.rules = RulesState(rules: rules, startedMs: startedMs)
  }

  /// Ready once the first evaluation has run (the database opened, the rules loaded, listeners bound).
  package var isReady: Bool { evaluation.count > 0 }

  /// A batch was stored: counted, and the evaluation loop woken.
  func stored(_ batch: IngestBatch, door: String) {
    intake.stored(batch, door: door)
    if !batch.calls.isEmpty { dataArrived.signal() }
  }

  /// A reload: its rules in effect from now (`nil` when it failed and the old ones stay); the
  /// evaluation loop evaluates with them soon, delivery picks up new receivers.
  func reloaded(_ rules: RuleSet?) {
    self.rules.reloaded(rules)
    dataArrived.signal()
    messagesQueued.signal()
  }
}

extension Wakeup {
  /// Waits for a signal until `deadlineMs` on `clock`, or until graceful shutdown. Returns whether
  /// a signal came.
  func wait(untilMs deadlineMs: Int64, clock: some VigilClock) async -> Bool {
    await cancelWhenGracefulShutdown { await self.wait { try await clock.sleep(untilMs: deadlineMs) } }
  }
}
