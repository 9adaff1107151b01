package import VigilCore
package import VigilStore

/// Evaluation, routing and queueing in one step, shared by `check` and `serve`: the evaluator's
/// announced transitions go to the router, the router's messages are rendered, and the new
/// alert states, the router's groups and the messages are committed in one transaction. A crash
/// at any point leaves either all of it or none of it, so no alert is lost or announced twice.
package struct AlertPipeline: Sendable {
  package let rules: RuleSet
  /// The rules by name.
  package let byName: [String: AlertRule]

  package init(rules: RuleSet) {
    self.rules = rules
    byName = rules.rulesByName
  }

  /// What a run did.
  package struct Outcome: Sendable {
    /// The last evaluation (every group's value and phase), if any step ran.
    package var evaluation: Evaluation?
    package var transitions: [AlertTransition] = []
    package var notifications: [AlertNotification] = []
    /// Nothing was recorded: the time asked for was not after the last evaluation.
    package var readOnly = false
    /// Messages queued in the outbox (notifications rendered, and pushes to Alertmanagers).
    package var queuedMessages = 0
  }

  /// The alert of an announced transition, with values formatted as its rule's metric reads.
  package func alert(_ t: AlertTransition) -> NotifiedAlert? {
    let metric = byName[t.key.rule]?.metric
    return NotifiedAlert(t, format: { metric?.messageText($0) ?? ($0.map(formatPlain) ?? "no data") })
  }

  /// Evaluates at each of `steps` (ascending), flushing the router after each; `endOfRun` ends
  /// the group wait of new groups at the last step (a cron run has seen all it will see).
  /// `nowMs` stamps queued messages (wall-clock time, which delivery runs on).
  ///
  /// All of it happens under the database's write lock, from reading the alert states to saving
  /// them: a second run (an overlapping cron job, or `check` beside `serve`) waits, then goes on
  /// from the first's states. Steps at or before the last evaluation are skipped: the stored
  /// cursor never moves backwards, so no incident is announced twice.
  @discardableResult
  package func run(store: Store, steps: [Int64], nowMs: Int64, endOfRun: Bool) throws -> Outcome {
    try store.writing { () throws(StoreError) -> Outcome in
      let last = try store.lastEvaluationMs()
      return try evaluate(
        store: store, steps: steps.filter { $0 > (last ?? .min) }, nowMs: nowMs, endOfRun: endOfRun)
    }
  }

  /// The cron run: evaluates at every evaluation interval since the last evaluation, up to
  /// `atMs` (at most `horizonMs` back; a first run looks back the whole horizon, so it reaches the
  /// states a backtest of that stretch would). `for` is then measured on the data, not on how
  /// often cron runs. Reads the last evaluation under the write lock (see ``run(store:steps:nowMs:endOfRun:)``).
  ///
  /// When `atMs` is not after the last evaluation (a clock stepped back, a re-run for an earlier
  /// time), nothing is evaluated, recorded or sent: the outcome has `readOnly` set and the values
  /// at `atMs` with the stored states.
  @discardableResult
  package func catchUp(
    store: Store, atMs: Int64, horizonMs: Int64 = 3_600_000, nowMs: Int64, endOfRun: Bool = true
  )
    throws -> Outcome
  {
    try store.writing { () throws(StoreError) -> Outcome in
      let last = try store.lastEvaluationMs()
      let steps = EvaluationSchedule.catchUp(
        lastMs: last, atMs: atMs, intervalMs: rules.evaluationIntervalMs, horizonMs: horizonMs)
      guard !steps.isEmpty else {
        var outcome = Outcome()
        outcome.readOnly = true
        do {
          outcome.evaluation = try Evaluator.evaluate(
            rules, source: store, atMs: atMs, previous: try store.alertStates())
        } catch let error as StoreError {
          throw error
        } catch {
          throw StoreError("evaluating at \(Timestamp.formatRFC3339(atMs)): \(error)")
        }
        return outcome
      }
      return try evaluate(store: store, steps: steps, nowMs: nowMs, endOfRun: endOfRun)
    }
  }

  func evaluate(store: Store, steps: [Int64], nowMs: Int64, endOfRun: Bool) throws(StoreError) -> Outcome {
    do {
      return try evaluateUnchecked(store: store, steps: steps, nowMs: nowMs, endOfRun: endOfRun)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError("evaluating the rules: \(error)")
    }
  }

  func evaluateUnchecked(store: Store, steps: [Int64], nowMs: Int64, endOfRun: Bool) throws -> Outcome {
    var states = try store.alertStates()
    var router = Router(receivers: routedReceivers, groups: try store.notifyGroups())
    var outcome = Outcome()
    if let first = steps.first {
      router.resolveAlerts(ofRulesNotIn: Set(byName.keys), atMs: first)
      outcome.transitions += try resolvesOfRemovedRules(states, store: store, atMs: first)
    }
    let silences = try store.silences()
    var resolved = try recentlyResolved(store: store, beforeMs: steps.first ?? 0)
    for (i, t) in steps.enumerated() {
      let evaluation = try Evaluator.evaluate(rules, source: store, atMs: t, previous: states)
      states = evaluation.states
      outcome.transitions += evaluation.transitions
      outcome.evaluation = evaluation
      resolved += evaluation.transitions.filter { $0.kind == .resolved }.map {
        InhibitRule.Source(labels: $0.labels, resolvedAtMs: $0.atMs)
      }
      router.add(evaluation.transitions, format: alert)
      outcome.notifications += router.flush(
        atMs: t, silences: silences, flushNewGroups: endOfRun && i == steps.count - 1,
        inhibitRules: rules.inhibitRules, inhibitors: firing(states) + resolved)
    }
    guard let last = steps.last else { return outcome }
    let renderer = MessageRenderer(externalURL: rules.externalURL, nowMs: nowMs)
    var messages: [OutboxMessage] = []
    for n in outcome.notifications {
      guard let receiver = rules.receiver(named: n.receiver) else { continue }
      messages.append(try renderer.render(n, for: receiver))
    }
    if let evaluation = outcome.evaluation {
      messages += try alertmanagerPushes(
        store: store, evaluation: evaluation, transitions: outcome.transitions, atMs: last)
    }
    outcome.queuedMessages = messages.count
    try store.saveEvaluation(
      states: states, transitions: outcome.transitions, evaluatedAtMs: last,
      notify: (Array(router.groups.values), messages, nowMs))
    return outcome
  }

  /// The resolves of alerts that fired under rules no longer in the file (a reload removed or
  /// renamed them): nothing evaluates them any more, so they resolve at `atMs`, as the router
  /// tells their receivers, and are recorded as every resolve is (history, reports, the API).
  /// Labels, metric and texts are those the alert fired with.
  func resolvesOfRemovedRules(_ states: [AlertKey: AlertState], store: Store, atMs: Int64) throws
    -> [AlertTransition]
  {
    var out: [AlertTransition] = []
    for (key, state) in states.sorted(by: { $0.key < $1.key })
    where state.phase == .firing && byName[key.rule] == nil {
      let fired = try state.firedAtMs.flatMap { try store.firing(key, atMs: $0) }
      var labels = fired?.labels ?? state.groupLabels
      labels["alertname"] = key.rule
      out.append(
        AlertTransition(
          atMs: atMs, key: key, kind: .resolved, metric: fired?.metric ?? "", value: state.lastValue,
          threshold: fired?.threshold ?? 0, labels: labels, summary: fired?.summary ?? "",
          description: fired?.description ?? "", receivers: [], firedAtMs: state.firedAtMs))
    }
    return out
  }

  /// Firing alerts, as sources of inhibition.
  func firing(_ states: [AlertKey: AlertState]) -> [InhibitRule.Source] {
    guard !rules.inhibitRules.isEmpty else { return [] }
    return InhibitRule.Source.firing(states, rules: byName)
  }

  /// Alerts that resolved within the longest `hold` before `beforeMs`: they may still inhibit.
  func recentlyResolved(store: Store, beforeMs: Int64) throws -> [InhibitRule.Source] {
    let hold = rules.inhibitRules.map(\.holdMs).max() ?? 0
    guard hold > 0 else { return [] }
    return try store.transitions(fromMs: beforeMs - hold, toMs: beforeMs).filter { $0.kind == "resolved" }.map
    {
      InhibitRule.Source(labels: $0.labels, resolvedAtMs: $0.atMs)
    }
  }

  /// Everything that can inhibit at `atMs`, from the stored states and transitions.
  func inhibitors(store: Store, atMs: Int64) throws -> [InhibitRule.Source] {
    guard !rules.inhibitRules.isEmpty else { return [] }
    return firing(try store.alertStates()) + (try recentlyResolved(store: store, beforeMs: atMs + 1))
  }

  /// When the router next has something to send, if anything.
  package func nextFlushMs(store: Store, atMs: Int64) throws -> Int64? {
    Router(receivers: routedReceivers, groups: try store.notifyGroups()).nextFlushMs(
      atMs: atMs, silences: try store.silences(activeAtMs: atMs), inhibitRules: rules.inhibitRules,
      inhibitors: try inhibitors(store: store, atMs: atMs))
  }

  /// Routes and queues without evaluating: the router's groups that are due at `atMs` (group
  /// waits that ended between evaluations).
  package func flushDue(store: Store, atMs: Int64, nowMs: Int64) throws -> [AlertNotification] {
    // Cheap check first, without the lock: most of the time nothing is due.
    guard let due = try nextFlushMs(store: store, atMs: atMs), due <= atMs else { return [] }
    return try store.writing { () throws(StoreError) -> [AlertNotification] in
      do {
        var router = Router(receivers: routedReceivers, groups: try store.notifyGroups())
        let silences = try store.silences()
        let inhibitors = try inhibitors(store: store, atMs: atMs)
        let notifications = router.flush(
          atMs: atMs, silences: silences, inhibitRules: rules.inhibitRules, inhibitors: inhibitors)
        let renderer = MessageRenderer(externalURL: rules.externalURL, nowMs: nowMs)
        let messages = try notifications.compactMap { n in
          try rules.receiver(named: n.receiver).map { try renderer.render(n, for: $0) }
        }
        try store.saveNotifications(groups: Array(router.groups.values), messages: messages, nowMs: nowMs)
        return notifications
      } catch let error as StoreError {
        throw error
      } catch {
        throw StoreError("routing notifications: \(error)")
      }
    }
  }
}
