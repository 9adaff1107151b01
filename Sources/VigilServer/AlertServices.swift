import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import VigilAlerting
import VigilConfig
import VigilCore
import VigilDelivery
import VigilStore
import VigilSync

/// The evaluation loop: evaluates the rules every evaluation interval of the clock, and soon
/// after new calls are stored (when the last evaluation is at least `minGapMs` old, so at most
/// four times a second under a steady stream); flushes notification groups whose wait ends
/// between evaluations; queues messages; wakes the delivery loop. Idle, it sleeps until the next
/// tick or flush.
struct EvaluationService<Clock: VigilClock>: Service {
  let config: ServeConfig
  /// The rules come from `state` at each round: a reload replaces them.
  let state: ServerState
  let logger: Logger
  let clock: Clock
  var minGapMs: Int64 = 250

  func run() async throws {
    let db = try SerialStore(path: config.db, label: "vigil-evaluation")
    var due = clock.nowMs()
    var last: Int64 = .min
    var dataWaiting = false
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let rules = linkedRules(state.rules.rules)
      let interval = rules.evaluationIntervalMs
      let pipeline = AlertPipeline(rules: rules)
      let t = clock.nowMs()
      if t >= due || (dataWaiting && t - last >= minGapMs) {
        await evaluate(pipeline, db, atMs: t, lagMs: t >= due ? t - due : 0)
        last = t
        dataWaiting = false
        due = EvaluationSchedule.nextTick(dueMs: due, atMs: t, intervalMs: interval)
      } else if let sent = try? await db.run({ try pipeline.flushDue(store: $0, atMs: t, nowMs: t) }),
        !sent.isEmpty
      {
        state.messagesQueued.signal()
      }
      // Sleep until the next tick, a group's flush, or (after new data) the end of the gap.
      var wake = due
      if let flush = (try? await db.run({ try pipeline.nextFlushMs(store: $0, atMs: t) })) ?? nil {
        wake = min(wake, max(flush, t + 10))
      }
      if dataWaiting { wake = min(wake, last + minGapMs) }
      if await state.dataArrived.wait(untilMs: wake, clock: clock) { dataWaiting = true }
    }
  }

  /// The rules, with `external_url` (unless the file sets it) where the HTTP server listens: its
  /// real port once bound, and the machine's name for a wildcard address.
  func linkedRules(_ rules: RuleSet) -> RuleSet {
    guard !rules.externalURLGiven, let http = config.http else { return rules }
    var linked = rules
    linked.externalURL = HostPort(host: http.host, port: state.listeners.httpPort ?? http.port).httpURL(
      hostname: ProcessInfo.processInfo.hostName)
    return linked
  }

  func evaluate(_ pipeline: AlertPipeline, _ db: SerialStore, atMs t: Int64, lagMs: Int64) async {
    let started = Date()
    do {
      let outcome = try await db.run { try pipeline.run(store: $0, steps: [t], nowMs: t, endOfRun: false) }
      let rules = pipeline.byName
      for tr in outcome.transitions where tr.isAnnounced {
        // Values as the messages show them (12.50%, 31.2s), not raw floats.
        let value = rules[tr.key.rule]?.metric.format(tr.value) ?? tr.value.map(formatPlain) ?? "-"
        logger.info(
          "\(tr.kind.rawValue) \(tr.key.rule){\(tr.key.group)} value=\(value)",
          metadata: [
            "event": "\(tr.kind.rawValue)", "rule": "\(tr.key.rule)", "group": "\(tr.key.group)",
            "value": "\(value)", "threshold": "\(rules[tr.key.rule]?.thresholdText ?? "")",
          ])
      }
      if outcome.queuedMessages > 0 { state.messagesQueued.signal() }
      state.evaluation.evaluated(
        outcome.evaluation, atMs: t, seconds: -started.timeIntervalSinceNow, lagMs: lagMs)
    } catch {
      logger.error("evaluation failed: \(error)", metadata: ["at": "\(Timestamp.formatRFC3339(t))"])
    }
  }
}

/// The delivery loop: sends what is due in the outbox, waits for the next due message or for new
/// ones. Graceful shutdown stops it between rounds; what is pending stays in the outbox.
struct DeliveryService<Clock: VigilClock>: Service {
  let config: ServeConfig
  /// Where secrets (webhook URLs, passwords) are read from: the daemon's environment.
  let environment: [String: String]
  let state: ServerState
  let logger: Logger
  let clock: Clock

  func run() async throws {
    let http = OutboxSender.makeHTTPClient()
    // The client is shut down however the loop ends: one left running traps when it goes.
    await deliver(with: http)
    try await http.shutdown()
  }

  func deliver(with http: HTTPClient) async {
    // The receivers come from the rules in effect: a reload that changes them gets a new sender.
    var generation = -1
    var sender: OutboxSender?
    var failedOpens = 0
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let (rules, current) = state.rules.rulesAndGeneration
      if current != generation {
        do {
          sender = try OutboxSender(
            databasePath: config.db, rules: rules, environment: environment, http: http,
            stdout: { bytes in
              FileHandle.standardOutput.write(Data(bytes))
            })
          generation = current
          failedOpens = 0
        } catch {
          // The database locked or unreadable for now: the outbox keeps the messages, so try again.
          failedOpens += 1
          let retryMs = min(Int64(1000) << min(failedOpens, 6), 60_000)
          logger.error(
            "delivery: cannot open the outbox (\(error)); retrying in \(DurationText.format(retryMs))",
            metadata: ["failures": "\(failedOpens)", "retry_in": "\(DurationText.format(retryMs))"])
          let until = clock.nowMs() + retryMs
          try? await cancelWhenGracefulShutdown { try await clock.sleep(untilMs: until) }
          continue
        }
      }
      guard let sender else { break }
      do {
        try await sender.deliver(until: clock.nowMs(), clock: clock) { round in
          for p in round.problems {
            logger.warning(
              "delivery \(p)",
              metadata: Logger.Metadata(uniqueKeysWithValues: p.metadata.map { ($0, .string($1)) }))
          }
          if round.delivered > 0 {
            logger.info(
              "delivered \(round.delivered) message(s)",
              metadata: [
                "delivered": "\(round.delivered)",
                "receivers":
                  "\(round.byReceiver.filter { $0.value["delivered", default: 0] > 0 }.keys.sorted().joined(separator: ","))",
              ])
          }
          state.delivery.delivered(round)
        }
      } catch {
        logger.error("delivery failed: \(error)", metadata: ["event": "delivery_failed"])
      }
      let now = clock.nowMs()
      let next = (try? await sender.nextDueMs()) ?? nil
      _ = await state.messagesQueued.wait(
        untilMs: min(max(next ?? .max, now + 1), now + 60_000), clock: clock)
    }
  }
}

/// Applies retention every `retentionEveryMs`: raw calls, rollups and delivered messages. Ages
/// of calls count back from the newest stored call (never from later than now), as `vigil prune`
/// does: what was just imported is never deleted for its age by the wall clock.
struct RetentionService<Clock: VigilClock>: Service {
  let config: ServeConfig
  let logger: Logger
  let clock: Clock

  func run() async throws {
    let db = try SerialStore(path: config.db, label: "vigil-retention")
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let now = clock.nowMs()
      do {
        let pruned = try await db.run { [config] store -> (deleted: Int64, beforeMs: Int64)? in
          try store.pruneOutbox(deliveredBeforeMs: now - config.retainDeliveredMs)
          guard let reference = try store.retentionReferenceMs(nowMs: now) else { return nil }
          let beforeMs = reference - config.retainRawMs
          let deleted = try store.prune(
            rawBeforeMs: beforeMs, rollupsBeforeMs: reference - config.retainRollupsMs)
          return (deleted, beforeMs)
        }
        if let pruned, pruned.deleted > 0 {
          logger.info(
            "retention: deleted \(pruned.deleted) raw calls before \(Timestamp.formatRFC3339(pruned.beforeMs)) (raw calls are kept \(DurationText.format(config.retainRawMs)) back from the newest stored call)",
            metadata: [
              "deleted_calls": "\(pruned.deleted)", "before": "\(Timestamp.formatRFC3339(pruned.beforeMs))",
            ])
        }
      } catch {
        logger.warning("retention: \(error)", metadata: ["event": "retention_failed"])
      }
      try? await cancelWhenGracefulShutdown { [clock, config] in
        try await clock.sleep(untilMs: now + config.retentionEveryMs)
      }
    }
  }
}
