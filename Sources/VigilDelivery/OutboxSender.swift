package import AsyncHTTPClient
import NIOCore
package import VigilCore
import VigilStore
import VigilSync

/// A delivery attempt that failed: which message, to which receiver, why, and what happens next.
package struct DeliveryProblem: Sendable, Equatable, CustomStringConvertible {
  /// The message's outbox id.
  package var id: Int64
  package var receiver: String
  package var reason: String
  package var attempt: Int
  /// The attempts allowed (nil: not retried, as for a 4xx).
  package var maxAttempts: Int?
  /// When the next attempt is (nil: none).
  package var nextInMs: Int64?

  package init(
    id: Int64, receiver: String, reason: String, attempt: Int, maxAttempts: Int?, nextInMs: Int64? = nil
  ) {
    self.id = id
    self.receiver = receiver
    self.reason = reason
    self.attempt = attempt
    self.maxAttempts = maxAttempts
    self.nextInMs = nextInMs
  }

  /// `#12 to team-chat: http://127.0.0.1:9/ answered 500 (attempt 2 of 10, next in 4s)`.
  package var description: String {
    guard let maxAttempts else { return "#\(id) to \(receiver): \(reason) (not retried)" }
    let next = nextInMs.map { ", next in \(DurationText.format($0))" } ?? ", giving up"
    return "#\(id) to \(receiver): \(reason) (attempt \(attempt) of \(maxAttempts)\(next))"
  }

  /// The facts as log metadata.
  package var metadata: [(String, String)] {
    [("message", String(id)), ("receiver", receiver), ("attempt", String(attempt))]
      + (maxAttempts.map { [("max_attempts", String($0))] } ?? [])
  }
}

/// What one round of delivery did.
package struct DeliveryReport: Sendable, Equatable {
  package var delivered = 0
  package var retried = 0
  package var dead = 0
  /// One line per failed attempt: `#12 to team-chat: http://127.0.0.1:9/ answered 500 (attempt 2 of 10)`.
  package var problems: [DeliveryProblem] = []
  /// Outcomes per receiver: `delivered`, `retry` or `dead`, with counts.
  package var byReceiver: [String: [String: Int64]] = [:]
  /// Alertmanager replicas whose push failed and waits for a later attempt: a run tries each
  /// replica once (every push carries the whole alert set, and the next one goes anyway).
  package var replicasDown: Set<OutboxQueue> = []

  package init() {}

  /// Adds another round's counts and problems.
  package mutating func add(_ other: DeliveryReport) {
    delivered += other.delivered
    retried += other.retried
    dead += other.dead
    problems += other.problems
    replicasDown.formUnion(other.replicasDown)
    for (receiver, outcomes) in other.byReceiver {
      for (outcome, n) in outcomes { byReceiver[receiver, default: [:]][outcome, default: 0] += n }
    }
  }
}

/// Takes messages out of the outbox and delivers them: receivers in parallel, each receiver's
/// messages in order (a later message waits while an earlier one is being retried, so a resolve
/// never overtakes its firing). Failures are retried with exponential backoff and full jitter,
/// honouring `Retry-After`; a 4xx other than 408/429, or the last allowed attempt, makes a dead
/// letter that `vigil outbox retry` can revive.
///
/// Time is passed in (`nowMs`), so tests drive retries with a clock of their own.
package actor OutboxSender {
  /// SQLite work (which messages are due, recording each outcome) runs on a queue of its own,
  /// never on the cooperative pool; sending awaits off it.
  let executor = QueueExecutor(label: "vigil-outbox")
  package nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
  let store: Store
  let receivers: [String: Receiver]
  let policy: DeliveryPolicy
  let transport: Transport
  var random: any RandomNumberGenerator

  /// - Parameters:
  ///   - stdout: where the stdout receiver writes (standard output, or a test's buffer).
  ///   - random: the source of jitter.
  package init(
    databasePath: String, rules: RuleSet, environment: [String: String], http: HTTPClient,
    stdout: @escaping @Sendable ([UInt8]) -> Void,
    random: any RandomNumberGenerator = SystemRandomNumberGenerator(),
    busyTimeoutMs: Int32 = VigilDefaults.busyTimeoutMs
  ) throws {
    store = try Store(path: databasePath, busyTimeoutMs: busyTimeoutMs)
    receivers = Dictionary(rules.receivers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    policy = rules.delivery
    transport = Transport(environment: environment, http: http, stdout: stdout)
    self.random = random
  }

  /// The HTTP client webhooks are sent with: redirects are not followed (a webhook that
  /// redirects is misconfigured, and following it could send an alert elsewhere), and a failed
  /// connection fails the attempt at once, leaving retries to the outbox's backoff.
  package static func makeHTTPClient() -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout.connect = .seconds(10)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  /// When the next pending message is due.
  package func nextDueMs() throws -> Int64? { try store.nextDueMs() }

  /// Attempts every message due at `nowMs` once; with `only`, the messages of those receivers.
  /// A message to a receiver that is no longer configured is a dead letter.
  ///
  /// Each outcome is recorded as soon as its attempt ends, receiver by receiver: a slow receiver
  /// delays nobody else's bookkeeping, and a crash after a delivery never sends it again.
  /// A queue in `skipping` (a replica that failed earlier in this run) is left for the next run.
  package func deliverDue(nowMs: Int64, only: Set<String>? = nil, skipping: Set<OutboxQueue> = [])
    async throws -> DeliveryReport
  {
    let due = try store.dueMessages(atMs: nowMs, limit: 1000)
    var queues: [OutboxQueue: [OutboxEntry]] = [:]
    for entry in due where only?.contains(entry.message.receiver) ?? true {
      let queue = OutboxQueue(entry.message)
      if !skipping.contains(queue) { queues[queue, default: []].append(entry) }
    }
    let receivers = self.receivers
    let transport = self.transport
    return try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
      for (queue, entries) in queues {
        let name = queue.receiver
        group.addTask {
          var report = DeliveryReport()
          for entry in entries {
            // Another deliverer has it (and this receiver's order): leave the rest to it.
            guard try await self.claim(entry, receiver: receivers[name], nowMs: nowMs) else { break }
            let outcome: DeliveryOutcome
            if let receiver = receivers[name] {
              outcome = await transport.send(entry, to: receiver, nowMs: nowMs)
            } else {
              outcome = .failed("receiver '\(name)' is no longer configured")
            }
            report.add(try await self.record(entry, outcome, nowMs: nowMs))
            if case .retry = outcome {
              if queue.groupKey != nil { report.replicasDown.insert(queue) }
              break  // keep this queue's order: the rest wait
            }
          }
          return report
        }
      }
      var total = DeliveryReport()
      for try await part in group { total.add(part) }
      // In outbox order, whichever receiver finished first.
      total.problems.sort { $0.id < $1.id }
      return total
    }
  }

  /// Claims an entry for this attempt, for as long as the attempt can take and a minute more.
  func claim(_ entry: OutboxEntry, receiver: Receiver?, nowMs: Int64) throws -> Bool {
    let timeoutMs: Int64 =
      switch receiver?.kind {
      case .webhook(let w): w.timeoutMs
      case .email(let e): e.timeoutMs
      case .alertmanager(let a): a.timeoutMs
      default: 0
      }
    return try store.claim(entry, untilMs: nowMs + timeoutMs + 60_000)
  }

  /// Records the outcome of one attempt in the outbox and says what it was.
  ///
  /// An Alertmanager push carries the whole current set of alerts, so it supersedes the
  /// replica's earlier dead letters: a replica that refuses every push (a 400 each resend period)
  /// keeps one dead letter, its latest, and its refusal is reported once, not once a period.
  func record(_ entry: OutboxEntry, _ outcome: DeliveryOutcome, nowMs: Int64) throws -> DeliveryReport {
    var report = DeliveryReport()
    let attempts = entry.attempts + 1
    let receiver = entry.message.receiver
    var isPush = false
    if case .alertmanager = receivers[receiver]?.kind { isPush = true }
    // Whether this dead push was refused as the replica's previous one was (reported then).
    func deadAgain(_ reason: String) throws -> Bool {
      isPush ? try store.supersedeDeadPushes(before: entry.id, error: reason) : false
    }
    switch outcome {
    case .delivered:
      try store.recordAttempt(
        id: entry.id, state: .delivered, attempts: attempts, nextAttemptMs: nowMs, error: nil, atMs: nowMs)
      if isPush { try store.supersedeDeadPushes(before: entry.id, error: nil) }
      report.delivered += 1
      report.byReceiver[receiver, default: [:]]["delivered", default: 0] += 1
    case .retry(let reason, let retryAfterMs):
      let last = attempts >= policy.maxAttempts
      let delay = policy.backoffMs(afterAttempts: attempts, retryAfterMs: retryAfterMs, using: &random)
      try store.recordAttempt(
        id: entry.id, state: last ? .dead : .pending, attempts: attempts, nextAttemptMs: nowMs + delay,
        error: reason, atMs: nowMs)
      if last { report.dead += 1 } else { report.retried += 1 }
      report.byReceiver[receiver, default: [:]][last ? "dead" : "retry", default: 0] += 1
      if last, try deadAgain(reason) { break }
      report.problems.append(
        DeliveryProblem(
          id: entry.id, receiver: receiver, reason: reason, attempt: attempts,
          maxAttempts: policy.maxAttempts,
          nextInMs: last ? nil : delay))
    case .failed(let reason):
      try store.recordAttempt(
        id: entry.id, state: .dead, attempts: attempts, nextAttemptMs: nowMs, error: reason, atMs: nowMs)
      report.dead += 1
      report.byReceiver[receiver, default: [:]]["dead", default: 0] += 1
      if try deadAgain(reason) { break }
      report.problems.append(
        DeliveryProblem(id: entry.id, receiver: receiver, reason: reason, attempt: attempts, maxAttempts: nil)
      )
    }
    return report
  }
}

extension OutboxSender {
  /// Delivers until `deadlineMs` on `clock`: what is due now, then each retry as it comes due, as
  /// long as it comes due by the deadline. What is still pending then stays in the outbox for the
  /// next run. `onRound` hears every round (to log its problems as they happen). `check`, `outbox
  /// flush`, `notify test` and `report --email` deliver for their `--send-timeout`; the daemon
  /// delivers until now, round after round.
  @discardableResult
  package func deliver(
    until deadlineMs: Int64, clock: some VigilClock, only: Set<String>? = nil,
    onRound: (DeliveryReport) -> Void = { _ in }
  ) async throws -> DeliveryReport {
    var total = DeliveryReport()
    while true {
      let round = try await deliverDue(nowMs: clock.nowMs(), only: only, skipping: total.replicasDown)
      total.add(round)
      onRound(round)
      guard let next = try store.nextDueMs(skipping: total.replicasDown), next <= deadlineMs else {
        return total
      }
      try await clock.sleep(untilMs: next)
    }
  }
}
