import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilNotify
import VigilStore

/// The evaluation loop: evaluates the rules every evaluation interval of the clock, and soon
/// (within `settleMs`) after new calls are stored, at most every `minGapMs`; flushes notification
/// groups whose wait ends between evaluations; queues messages; wakes the delivery loop.
struct EvaluationService: Service {
  let config: ServeConfig
  let rules: RuleSet
  let state: ServerState
  let logger: Logger
  /// Milliseconds since the epoch on the clock that drives the loop.
  var now: @Sendable () -> Int64 = { Store.wallClockMs() }
  var minGapMs: Int64 = 250

  func run() async throws {
    let store = try Store(path: config.db)
    let pipeline = AlertPipeline(rules: rules)
    let interval = rules.evaluationIntervalMs
    var due = now()
    var last: Int64 = .min
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let t = now()
      if t >= due || t - last >= minGapMs {
        let scheduled = t >= due ? due : t
        let started = Date()
        do {
          let outcome = try pipeline.run(store: store, steps: [t], nowMs: t, endOfRun: false)
          for tr in outcome.transitions where tr.isAnnounced {
            logger.info(
              "\(tr.kind.rawValue) \(tr.key.rule){\(tr.key.group)} value=\(tr.value.map(formatPlain) ?? "-")")
          }
          if !outcome.notifications.isEmpty { state.messagesQueued.signal() }
          state.evaluated(
            outcome.evaluation, atMs: t, seconds: -started.timeIntervalSinceNow, lagMs: max(0, t - scheduled))
        } catch {
          logger.error("evaluation failed: \(error)")
        }
        last = t
        if t >= due { due += interval * max(1, (t - due) / interval + 1) }
      } else if let sent = try? pipeline.flushDue(store: store, atMs: t, nowMs: t), !sent.isEmpty {
        state.messagesQueued.signal()
      }
      // Sleep until the next tick or a group's flush, or until data arrives (then settle a moment).
      let nextFlush = (try? pipeline.nextFlushMs(store: store)) ?? nil
      let wake = min(due, max(nextFlush ?? .max, now() + 10))
      let wait = max(10, wake - now())
      await state.dataArrived.wait(upTo: .milliseconds(wait))
      if now() < wake {
        // Data arrived: let a burst settle, but never evaluate more often than every minGapMs.
        let settle = max(0, min(wake - now(), minGapMs - (now() - last)))
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(settle)) }
      }
    }
  }
}

/// The delivery loop: sends what is due in the outbox, waits for the next due message or for new
/// ones. Graceful shutdown stops it between rounds; what is pending stays in the outbox.
struct DeliveryService: Service {
  let config: ServeConfig
  let rules: RuleSet
  let state: ServerState
  let logger: Logger
  var now: @Sendable () -> Int64 = { Store.wallClockMs() }

  func run() async throws {
    let http = OutboxSender.makeHTTPClient()
    let sender = try OutboxSender(
      databasePath: config.db, rules: rules, environment: ProcessInfo.processInfo.environment, http: http,
      stdout: { bytes in
        FileHandle.standardOutput.write(Data(bytes))
      })
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      do {
        let report = try await sender.deliverDue(nowMs: now())
        for p in report.problems { logger.warning("delivery \(p)") }
        if report.delivered > 0 { logger.info("delivered \(report.delivered) message(s)") }
        state.delivered(report)
      } catch {
        logger.error("delivery failed: \(error)")
      }
      let next = (try? await sender.nextDueMs()) ?? nil
      let wait = next.map { max(1, $0 - now()) } ?? 60_000
      await state.messagesQueued.wait(upTo: .milliseconds(min(wait, 60_000)))
    }
    try await http.shutdown()
  }
}

/// Applies retention every `retentionEveryMs`: raw calls, rollups and delivered messages.
struct RetentionService: Service {
  let config: ServeConfig
  let logger: Logger

  func run() async throws {
    let store = try Store(path: config.db)
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let now = Store.wallClockMs()
      do {
        let deleted = try store.prune(
          rawBeforeMs: now - config.retainRawMs, rollupsBeforeMs: now - config.retainRollupsMs)
        try store.pruneOutbox(deliveredBeforeMs: now - config.retainDeliveredMs)
        if deleted > 0 { logger.info("retention: deleted \(deleted) raw calls") }
      } catch {
        logger.warning("retention: \(error)")
      }
      try? await cancelWhenGracefulShutdown {
        try await Task.sleep(for: .milliseconds(config.retentionEveryMs))
      }
    }
  }
}
