public import VigilCore
public import VigilStore

/// Evaluation, routing and queueing in one step, shared by `check` and `serve`: the evaluator's
/// announced transitions go to the router, the router's messages are rendered, and the new
/// alert states, the router's groups and the messages are committed in one transaction. A crash
/// at any point leaves either all of it or none of it, so no alert is lost or announced twice.
public struct AlertPipeline: Sendable {
  public let rules: RuleSet
  let byName: [String: AlertRule]

  public init(rules: RuleSet) {
    self.rules = rules
    byName = Dictionary(rules.rules.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
  }

  /// What a run did.
  public struct Outcome: Sendable {
    /// The last evaluation (every group's value and phase), if any step ran.
    public var evaluation: Evaluation?
    public var transitions: [AlertTransition] = []
    public var notifications: [AlertNotification] = []
  }

  /// The alert of an announced transition, with values formatted as its rule's metric reads.
  public func alert(_ t: AlertTransition) -> NotifiedAlert? {
    let metric = byName[t.key.rule]?.metric
    return NotifiedAlert(t, format: { metric?.format($0) ?? ($0.map(formatPlain) ?? "-") })
  }

  /// Evaluates at each of `steps` (ascending), flushing the router after each; `endOfRun` ends
  /// the group wait of new groups at the last step (a cron run has seen all it will see).
  /// `nowMs` stamps queued messages (wall-clock time, which delivery runs on).
  @discardableResult
  public func run(store: Store, steps: [Int64], nowMs: Int64, endOfRun: Bool) throws -> Outcome {
    var states = try store.alertStates()
    var router = Router(receivers: rules.receivers, groups: try store.notifyGroups())
    let silences = try store.silences()
    var outcome = Outcome()
    for (i, t) in steps.enumerated() {
      let evaluation = try Evaluator.evaluate(rules, source: store, atMs: t, previous: states)
      states = evaluation.states
      outcome.transitions += evaluation.transitions
      outcome.evaluation = evaluation
      router.add(evaluation.transitions, format: alert)
      outcome.notifications += router.flush(
        atMs: t, silences: silences, flushNewGroups: endOfRun && i == steps.count - 1)
    }
    guard let last = steps.last else { return outcome }
    let renderer = MessageRenderer(externalURL: rules.externalURL, nowMs: nowMs)
    var messages: [OutboxMessage] = []
    for n in outcome.notifications {
      guard let receiver = rules.receiver(named: n.receiver) else { continue }
      messages.append(try renderer.render(n, for: receiver))
    }
    try store.saveEvaluation(
      states: states, transitions: outcome.transitions, evaluatedAtMs: last,
      notify: (Array(router.groups.values), messages, nowMs))
    return outcome
  }

  /// When the router next has something to send, if anything.
  public func nextFlushMs(store: Store) throws -> Int64? {
    Router(receivers: rules.receivers, groups: try store.notifyGroups()).nextFlushMs
  }

  /// Routes and queues without evaluating: the router's groups that are due at `atMs` (group
  /// waits that ended between evaluations).
  public func flushDue(store: Store, atMs: Int64, nowMs: Int64) throws -> [AlertNotification] {
    var router = Router(receivers: rules.receivers, groups: try store.notifyGroups())
    guard let next = router.nextFlushMs, next <= atMs else { return [] }
    let notifications = router.flush(atMs: atMs, silences: try store.silences())
    let renderer = MessageRenderer(externalURL: rules.externalURL, nowMs: nowMs)
    let messages = try notifications.compactMap { n in
      try rules.receiver(named: n.receiver).map { try renderer.render(n, for: $0) }
    }
    try store.saveNotifications(groups: Array(router.groups.values), messages: messages, nowMs: nowMs)
    return notifications
  }
}
