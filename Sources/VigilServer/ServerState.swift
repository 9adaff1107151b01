import Foundation
import ServiceLifecycle
import Synchronization
package import VigilCore
import VigilDelivery
import VigilIngest
import VigilStore
import VigilSync

/// What the services of one `vigil serve` share: counters for `/metrics`, the last evaluation
/// for `/api/alerts`, readiness, and the wake-ups between services. Thread-safe: the counters sit
/// in one `Mutex`.
package final class ServerState: Sendable {
  /// Everything the services count and read, under one lock.
  struct Shared {
    var metrics = CallMetrics()
    var ingest: [String: IngestStats] = [:]
    var lastEvaluation: Evaluation?
    var lastEvaluationMs: Int64?
    var evaluations: Int64 = 0
    var lastEvaluationSeconds: Double = 0
    var maxLagMs: Int64 = 0
    var lastLagMs: Int64 = 0
    var deliveries: [String: [String: Int64]] = [:]
    var udp: UDPCounters?
    var boundHTTPPort: Int?
    var boundOTLPPort: Int?
    /// Failed writes of ingested lines, per source (`file`, `udp`), and lines held because of them.
    var writeFailures: [String: Int64] = [:]
    var heldLinesBySource: [String: Int64] = [:]
    /// Per source family (a log and its rotated copies, the UDP listener): the latest call stored
    /// (call time) and when it was stored (wall time).
    var sources: [String: SourceSeen] = [:]
    /// Requests to the HTTP intake endpoints (OTLP, LiteLLM) by endpoint and HTTP status.
    var intakeRequests: [String: [Int: Int64]] = [:]
    /// Requests acknowledged over HTTP and waiting in the intake spool.
    var spoolEntries: Int64 = 0
    /// The rules in effect, and how many times they were replaced (services rebuild what they
    /// derive from them when it changes).
    var rules = RuleSet()
    var rulesGeneration = 0
    /// Reloads (SIGHUP, `POST /-/reload`): whether the last one succeeded, when one last did
    /// (the start counts), and how many of each outcome.
    var lastReloadSucceeded = true
    var lastReloadSuccessMs: Int64 = 0
    var reloads: [Bool: Int64] = [:]
  }

  /// What one source has delivered since start.
  struct SourceSeen {
    var calls: Int64 = 0
    var lastCallMs: Int64 = .min
    var lastStoredMs: Int64 = 0
  }

  let shared = Mutex(Shared())
  let startedMs = WallClock.nowMs()
  /// Woken when calls are stored (the evaluation loop evaluates soon after), and when messages
  /// are queued (the delivery loop sends them).
  let dataArrived = Wakeup()
  let messagesQueued = Wakeup()
  /// Signalled when the HTTP intake spools a request: the drain stores it at once.
  let spoolAppended = ThreadWakeup()

  package init(rules: RuleSet = RuleSet()) {
    shared.withLock {
      $0.rules = rules
      $0.lastReloadSuccessMs = startedMs
    }
  }

  /// The rules in effect now.
  package var rules: RuleSet { withLock { $0.rules } }
  /// The rules and their generation (bumped by each successful reload).
  var rulesAndGeneration: (RuleSet, Int) { withLock { ($0.rules, $0.rulesGeneration) } }

  /// A reload: its rules in effect from now (`nil` when it failed and the old ones stay).
  func reloaded(_ rules: RuleSet?) {
    withLock { state in
      state.reloads[rules != nil, default: 0] += 1
      state.lastReloadSucceeded = rules != nil
      guard let rules else { return }
      state.rules = rules
      state.rulesGeneration += 1
      state.lastReloadSuccessMs = WallClock.nowMs()
    }
    // The evaluation loop evaluates with the new rules soon; delivery picks up new receivers.
    dataArrived.signal()
    messagesQueued.signal()
  }

  func withLock<T: Sendable>(_ body: (inout Shared) throws -> T) rethrows -> T {
    try shared.withLock { try body(&$0) }
  }

  /// Counts a committed batch (`source`: `file` or `udp`).
  func stored(_ batch: IngestBatch, source: String) {
    withLock { state in
      state.metrics.add(batch.calls)
      var s = state.ingest[source] ?? IngestStats()
      s.stored += Int64(batch.calls.count)
      s.rejected += Int64(batch.rejects.count)
      s.lines += Int64(batch.calls.count + batch.rejects.count)
      state.ingest[source] = s
      if !batch.calls.isEmpty {
        var seen = state.sources[SourceName.family(batch.source)] ?? SourceSeen()
        seen.calls += Int64(batch.calls.count)
        seen.lastCallMs = max(seen.lastCallMs, batch.calls.maxTimestampMs)
        seen.lastStoredMs = WallClock.nowMs()
        state.sources[SourceName.family(batch.source)] = seen
      }
    }
    if !batch.calls.isEmpty { dataArrived.signal() }
  }

  /// What waits in the intake spool after a drain round.
  func spooled(waiting entries: Int64) { withLock { $0.spoolEntries = entries } }

  /// A write of ingested lines failed; `heldLines` wait to be stored.
  func writeFailed(source: String, heldLines: Int64) {
    withLock { state in
      state.writeFailures[source, default: 0] += 1
      state.heldLinesBySource[source] = heldLines
    }
  }

  /// Lines read from `source` and not yet stored (0 once writes work).
  func held(lines: Int64, source: String) {
    withLock { state in if state.heldLinesBySource[source] != nil { state.heldLinesBySource[source] = lines }
    }
  }

  func evaluated(_ e: Evaluation?, atMs: Int64, seconds: Double, lagMs: Int64) {
    withLock { state in
      if let e { state.lastEvaluation = e }
      state.lastEvaluationMs = atMs
      state.evaluations += 1
      state.lastEvaluationSeconds = seconds
      state.lastLagMs = lagMs
      state.maxLagMs = max(state.maxLagMs, lagMs)
    }
  }

  func delivered(_ report: DeliveryReport) {
    withLock { state in
      for (receiver, outcomes) in report.byReceiver {
        for (outcome, n) in outcomes { state.deliveries[receiver, default: [:]][outcome, default: 0] += n }
      }
    }
  }

  /// The port the HTTP server listens on, once it does.
  package var httpPort: Int? { withLock { $0.boundHTTPPort } }
  /// The OTLP/HTTP port once listening (the real one when port 0 was asked for).
  package var otlpPort: Int? { withLock { $0.boundOTLPPort } }

  func listening(httpPort: Int) { withLock { $0.boundHTTPPort = httpPort } }

  /// Evaluations since start.
  package var evaluationCount: Int64 { withLock { $0.evaluations } }

  /// Records stored from a source (`file`, `udp`) since start.
  package func storedCount(source: String) -> Int64 { withLock { $0.ingest[source]?.stored ?? 0 } }

  /// Ready once the first evaluation has run (the database opened, the rules loaded, listeners bound).
  package var isReady: Bool { withLock { $0.evaluations > 0 } }
}

/// A signal one task sends and another waits for, with a deadline. A signal sent while nobody
/// waits is kept (one is enough). Waiting is cancellable and leaves the signal usable: a wait that
/// times out or is cancelled changes nothing for the next one.
final class Wakeup: Sendable {
  struct State {
    var pending = false
    /// The waiting task; resumed with `true` by a signal, `false` by its cancellation.
    var waiter: CheckedContinuation<Bool, Never>?
    /// Bumped per wait, so that a late cancellation cannot resume a later waiter.
    var generation: UInt64 = 0
    var cancelled: UInt64?
  }

  let state = Mutex(State())

  init() {}

  func signal() {
    let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
      guard let w = s.waiter else {
        s.pending = true
        return nil
      }
      s.waiter = nil
      return w
    }
    waiter?.resume(returning: true)
  }

  /// Waits for a signal until `deadlineMs` on `clock`, or until graceful shutdown. Returns whether
  /// a signal came. Only one task may wait at a time.
  func wait(untilMs deadlineMs: Int64, clock: some VigilClock) async -> Bool {
    if state.withLock({ s in
      defer { s.pending = false }
      return s.pending
    }) {
      return true
    }
    return await cancelWhenGracefulShutdown {
      await withTaskGroup(of: Bool.self) { group in
        group.addTask {
          try? await clock.sleep(untilMs: deadlineMs)
          return false
        }
        group.addTask { await self.waitForSignal() }
        var signalled = await group.next() ?? false
        group.cancelAll()
        // A signal that came as the deadline passed is not lost.
        for await s in group { signalled = signalled || s }
        return signalled
      }
    }
  }

  /// Waits for a signal: `true` when one came, `false` when the task was cancelled first.
  func waitForSignal() async -> Bool {
    let generation = state.withLock { s -> UInt64 in
      s.generation += 1
      return s.generation
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
        let now = state.withLock { s -> Bool? in
          if s.cancelled == generation { return false }
          if s.pending {
            s.pending = false
            return true
          }
          s.waiter = c
          return nil
        }
        if let now { c.resume(returning: now) }
      }
    } onCancel: {
      let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
        guard s.generation == generation else { return nil }
        guard let w = s.waiter else {
          s.cancelled = generation
          return nil
        }
        s.waiter = nil
        return w
      }
      waiter?.resume(returning: false)
    }
  }
}
