/// The rolling-window evaluator: a pure function of (rules, stored data, evaluation time, previous
/// states). Live mode calls it with the clock's now, `check` once, backtests and rule tests with
/// each step of event time: one implementation for all.
package enum Evaluator {
  package static func evaluate(
    _ set: RuleSet, source: any RollupSource, atMs: Int64, previous: [AlertKey: AlertState]
  ) throws -> Evaluation {
    // Every window of one evaluation from one state of the data, read in one go.
    try source.consistently { try evaluateReading(set, source: source, atMs: atMs, previous: previous) }
  }

  static func evaluateReading(
    _ set: RuleSet, source: any RollupSource, atMs: Int64, previous: [AlertKey: AlertState]
  ) throws -> Evaluation {
    var states = previous
    var transitions: [AlertTransition] = []
    var groups: [GroupResult] = []
    // Complete buckets only: the window ends at the start of the bucket that holds the
    // evaluation instant, so that nothing after the instant is read (no look-ahead), and a window
    // of 2m is exactly twelve buckets. One read for every rule of rows: each window summed per
    // series once (``RollupSource/seriesWindows(starts:toMs:)``).
    let to = RollupKey.bucket(of: atMs - set.evaluationDelayMs)
    // SLO windows (hours to days) are read from request counts, and "time since the last call"
    // from request activity, not rollup rows: both read coarser tiers.
    // Rate-limit forecasts read the buckets that saw the headers, over their own windows.
    let rowRules = set.rules.filter { !$0.isSLO && !$0.metric.isSilence && !$0.metric.isRateLimit }
    let rateRules = set.rules.filter { $0.metric.isRateLimit }
    // And the last ``RequestCounts/retryWaitMs``, to tell the retries that never came.
    let burnStarts = set.rules.compactMap(\.burn).filter { $0.ttftThresholdMs == nil }.flatMap {
      $0.windows.map { Self.burnStart(to, $0) }
    }
    // SLO alerts that resolved a short while ago count from their resolve (AlertState.releasedAtMs):
    // that start too, read with the windows of their kind.
    var burnRules: [String: BurnRate] = [:]
    for rule in set.rules { if let burn = rule.burn { burnRules[rule.name] = burn } }
    var releaseStarts: [Int64] = []
    var ttftReleaseStarts: [Int64] = []
    for (key, state) in previous {
      guard let released = state.releasedAtMs, let burn = burnRules[key.rule] else { continue }
      if burn.ttftThresholdMs == nil {
        releaseStarts.append(released)
      } else {
        ttftReleaseStarts.append(released)
      }
    }
    let burnCounts = try source.requestCounts(
      starts: Array(
        Set(burnStarts + (burnStarts.isEmpty ? [] : [to - RequestCounts.retryWaitMs]) + releaseStarts)),
      toMs: to)
    // TTFT SLOs count first tokens from the time-to-first-token histograms of their windows.
    let ttftStarts = Set(
      set.rules.compactMap(\.burn).filter { $0.ttftThresholdMs != nil }.flatMap {
        $0.windows.map { Self.burnStart(to, $0) }
      } + ttftReleaseStarts)
    let ttftWindows =
      ttftStarts.isEmpty ? [:] : try source.histogramWindows(.ttft, starts: Array(ttftStarts), toMs: to)
    // How much of each SLO window a young series' history covers: its first request in the
    // longest window.
    let longestBurn = set.rules.compactMap(\.burn).flatMap(\.windows).max()
    let firstRequests =
      try longestBurn.map { try source.firstRequests(fromMs: Self.burnStart(to, $0), toMs: to) } ?? [:]
    // Each window's rows summed per series once, for all the rules of that window.
    let windows = try source.seriesWindows(
      starts: rowRules.map { RollupKey.bucket(of: to - $0.windowMs) }, toMs: to)
    // Percentiles read their histograms apart, per window start (latency, time to first token,
    // streamed latency).
    var histograms: [RollupHistogram: [Int64: [SeriesKey: LatencyHistogram]]] = [:]
    for h in RollupHistogram.allCases {
      let starts = Set(
        set.rules.filter { $0.metric.histograms.contains(h) }.map { RollupKey.bucket(of: to - $0.windowMs) })
      guard !starts.isEmpty else { continue }
      histograms[h] = try source.histogramWindows(h, starts: Array(starts), toMs: to)
    }
    var details = BurnDetails()
    let memo = GroupMemo()
    var rateRows: [RollupRow] = []
    if let earliestRate = rateRules.map({ RollupKey.bucket(of: to - $0.windowMs) }).min() {
      rateRows = try source.rateLimitRows(fromMs: earliestRate, toMs: to)
    }
    for rule in set.rules {
      if let burn = rule.burn {
        try evaluateBurn(
          rule, burn,
          counts: burn.ttftThresholdMs.map { t in
            ttftWindows.mapValues { BurnRate.ttftCounts($0, thresholdMs: t) }
          } ?? burnCounts, firstRequests: firstRequests, source: source, details: &details, memo: memo,
          to: to,
          atMs: atMs,
          previous: previous,
          states: &states,
          transitions: &transitions, groups: &groups)
        continue
      }
      let from = RollupKey.bucket(of: to - rule.windowMs)
      // Each matching series' group, numbered as met (a group exists only once a row of it is
      // added); sums and the rest per group number.
      var groupNames: [String] = []
      var groupLabels: [[String: String]] = []
      var groupIndex: [String: Int] = [:]
      var groupSeries: [SeriesKey] = []
      var sums: [Rollup] = []
      // The end of each group's last bucket with calls, for "time since the last call".
      var lastCall: [Int64] = []
      // Failures of the last minute still waiting for their retry.
      var waiting: [RequestCounts] = []
      func slot(_ series: SeriesKey) -> Int? {
        guard rule.matches(series) else { return nil }
        let (group, labels) = memo.group(series, rule)
        if let g = groupIndex[group] {
          // Series whose names make one group name (`provider=a,model=b` from two splits of the
          // commas) give it the labels of the least of them, whatever order they come in.
          if series < groupSeries[g] { (groupSeries[g], groupLabels[g]) = (series, labels) }
          return g
        }
        groupIndex[group] = groupNames.count
        groupNames.append(group)
        groupLabels.append(labels)
        groupSeries.append(series)
        sums.append(Rollup())
        lastCall.append(.min)
        waiting.append(RequestCounts())
        return groupNames.count - 1
      }
      if rule.metric.isRateLimit {
        for row in rateRows where row.bucketMs >= from {
          guard let g = slot(row.series) else { continue }
          sums[g].merge(row.rollup, latency: false)
          if row.rollup.attempts > 0 { lastCall[g] = max(lastCall[g], row.bucketMs + rollupBucketMs) }
        }
      } else if !rule.metric.isSilence {
        // (Those two find their groups elsewhere, below.)
        for (series, window) in windows[from] ?? [:] {
          guard let g = slot(series) else { continue }
          sums[g].merge(window.sum, latency: false)
          lastCall[g] = max(lastCall[g], window.lastCall)
          waiting[g].pending.addSaturating(window.pending)
        }
      }
      if rule.metric == .retryExhaustionRate {
        // A request whose retry never came gave up as surely as one that said so.
        for g in sums.indices {
          let counts = RequestCounts(pending: sums[g].retryPending, retries: sums[g].retries)
          sums[g].exhausted.addSaturating(counts.orphaned(since: waiting[g]))
        }
      }
      for kind in rule.metric.histograms {
        // (A series with a histogram in the window has rows there: its group is known.)
        for (series, h) in histograms[kind]?[from] ?? [:] where rule.matches(series) {
          if let g = groupIndex[memo.group(series, rule).0] { kind.merge(h, into: &sums[g]) }
        }
      }
      var merged: [String: (labels: [String: String], rollup: Rollup)] = [:]
      var lastCallOfGroup: [String: Int64] = [:]
      for g in groupNames.indices {
        merged[groupNames[g]] = (groupLabels[g], sums[g])
        if lastCall[g] > .min { lastCallOfGroup[groupNames[g]] = lastCall[g] }
      }
      if rule.metric == .timeSinceLastCall {
        // Groups from the requests of the window and the last one, not from rollup rows.
        merged = [:]
        lastCallOfGroup = [:]
        for (series, activity) in try source.requestActivity(fromMs: from, toMs: to)
        where rule.matches(series) {
          let (group, labels) = memo.group(series, rule)
          var entry = merged[group] ?? (labels, Rollup())
          entry.rollup.attempts.addSaturating(activity.requests)
          merged[group] = entry
          lastCallOfGroup[group] = max(lastCallOfGroup[group] ?? .min, activity.lastRequestEndMs)
        }
      }
      if rule.metric == .sourceTimeSinceLastCall {
        // Sources are not series: their groups come from what each delivered in the window.
        merged = [:]
        for (family, activity) in SourceActivity.byFamily(try source.sourceActivity(fromMs: from, toMs: to)) {
          var calls = Rollup()
          calls.attempts = activity.calls
          merged["source=\(family)"] = (["source": family], calls)
          lastCallOfGroup["source=\(family)"] = activity.lastCallMs
        }
      }
      if rule.groupBy.isEmpty && merged.isEmpty && !rule.metric.isSilence { merged[""] = ([:], Rollup()) }
      // "Traffic stopped" needs the groups that had traffic just before, at zero now.
      if rule.metric.isCount && (rule.comparison == .less || rule.comparison == .lessOrEqual) {
        // (The window before this one: no longer than the window, so from what a store keeps.)
        var earlier: Set<SeriesKey> = []
        for row in try source.rollupRows(
          fromMs: RollupKey.bucket(of: from - rule.windowMs), toMs: from, latency: false)
        {
          earlier.insert(row.series)
        }
        for series in earlier where rule.matches(series) {
          let (group, labels) = memo.group(series, rule)
          if merged[group] == nil { merged[group] = (labels, Rollup()) }
        }
      }
      // Alerts that are active but whose group has no data now are evaluated as "no value".
      for (key, state) in previous
      where key.rule == rule.name && state.phase != .inactive && merged[key.group] == nil {
        merged[key.group] = (state.groupLabels, Rollup())
      }
      for (group, entry) in merged.sorted(by: { $0.key < $1.key }) {
        let key = AlertKey(rule: rule.name, group: group)
        var value = value(of: rule, entry.rollup)
        if rule.metric.isSilence {
          // A group that had traffic (min_requests in the window): how long since its last call.
          // Once the alert is active, one call is enough to judge by: it resolves on the first
          // call back, not after min_requests of them.
          let active = (states[key]?.phase ?? .inactive) != .inactive
          value =
            entry.rollup.attempts >= (active ? 1 : max(rule.minRequests, 1))
            ? lastCallOfGroup[group].map { Double(max(0, to - $0)) } : nil
        }
        var state = states[key] ?? AlertState()
        state.groupLabels = entry.labels
        let before = state
        let kind = step(&state, rule: rule, value: value, atMs: atMs)
        state.lastValue = value
        state.lastEvaluationMs = atMs
        if let kind {
          transitions.append(
            transition(
              kind, key: key, rule: rule, value: value, labels: entry.labels, atMs: atMs,
              firedAtMs: before.firedAtMs, window: entry.rollup))
        }
        if state.phase == .inactive && state.activeSinceMs == nil {
          states[key] = nil  // nothing to remember
        } else {
          states[key] = state
        }
        groups.append(
          GroupResult(
            key: key, labels: allLabels(rule, entry.labels), value: value, attempts: entry.rollup.attempts,
            phase: state.phase, noDataSinceMs: state.noDataSinceMs,
            window: state.phase == .inactive ? nil : entry.rollup))
      }
    }
    // Rules that no longer exist leave no state behind, nor do releases of rules that are no
    // longer SLOs (a reload can give a rule of another kind the same name).
    let names = Set(set.rules.map(\.name))
    for (key, state) in states {
      if !names.contains(key.rule) {
        states[key] = nil
      } else if state.releasedAtMs != nil && burnRules[key.rule] == nil {
        states[key]?.releasedAtMs = nil
        if state.phase == .inactive && state.activeSinceMs == nil { states[key] = nil }
      }
    }
    return Evaluation(states: states, transitions: transitions, groups: groups)
  }

  /// Where an SLO window of `windowMs` ending at `to` starts: windows of an hour or more start on
  /// the minute (they read whole minutes and hours), covering their length and at most a minute
  /// more.
  package static func burnStart(_ to: Int64, _ windowMs: Int64) -> Int64 {
    windowMs >= 3_600_000 ? RequestTier.minute.start(of: to - windowMs) : RollupKey.bucket(of: to - windowMs)
  }

  /// An SLO burn-rate rule: per group, the request counts of each window, judged pair by pair.
  static func evaluateBurn(
    _ rule: AlertRule, _ burn: BurnRate, counts: [Int64: [SeriesKey: RequestCounts]],
    firstRequests: [SeriesKey: Int64], source: any RollupSource, details: inout BurnDetails,
    memo: GroupMemo, to: Int64, atMs: Int64, previous: [AlertKey: AlertState],
    states: inout [AlertKey: AlertState],
    transitions: inout [AlertTransition], groups: inout [GroupResult]
  ) throws {
    var perGroup: [String: (labels: [String: String], windows: [Int64: RequestCounts])] = [:]
    // A request whose retry never came counts by its last attempt (per series, before groups).
    let recent = counts[to - RequestCounts.retryWaitMs] ?? [:]
    for window in burn.windows {
      for (series, c) in counts[burnStart(to, window)] ?? [:] where rule.matches(series) {
        let (group, labels) = memo.group(series, rule)
        perGroup[group, default: (labels, [:])].windows[window, default: RequestCounts()].add(
          c.judged(since: recent[series] ?? RequestCounts()))
      }
    }
    // An alert resolved a short while ago counts from its resolve (`AlertState.releasedAtMs`).
    var sinceRelease: [String: RequestCounts] = [:]
    for (key, state) in previous where key.rule == rule.name {
      guard let released = state.releasedAtMs else { continue }
      var sum = RequestCounts()
      for (series, c) in counts[released] ?? [:]
      where rule.matches(series) && memo.group(series, rule).0 == key.group {
        sum.add(c.judged(since: recent[series] ?? RequestCounts()))
      }
      sinceRelease[key.group] = sum
    }
    var firstOfGroup: [String: Int64] = [:]
    for (series, first) in firstRequests where rule.matches(series) {
      let group = memo.group(series, rule).0
      firstOfGroup[group] = min(firstOfGroup[group] ?? .max, first)
    }
    for (key, state) in previous
    where key.rule == rule.name && (state.phase != .inactive || state.releasedAtMs != nil)
      && perGroup[key.group] == nil
    {
      perGroup[key.group] = (state.groupLabels, [:])
    }
    for (group, entry) in perGroup.sorted(by: { $0.key < $1.key }) {
      let key = AlertKey(rule: rule.name, group: group)
      var state = states[key] ?? AlertState()
      // A window the group's history covers only in part is not judged as if it were full; after
      // a resolve, for a while, the history counts from the resolve (the window is its part since).
      let released = state.releasedAtMs.flatMap { r in sinceRelease[group].map { (r, $0) } }
      let first = max(firstOfGroup[group] ?? .min, released?.0 ?? .min)
      func windowCounts(_ window: Int64) -> RequestCounts {
        if let released, burnStart(to, window) < released.0 { return released.1 }
        return entry.windows[window] ?? RequestCounts()
      }
      func covered(_ window: Int64) -> Double {
        let start = burnStart(to, window)
        guard first > start, to > start else { return 1 }
        return Double(max(to - first, rollupBucketMs)) / Double(to - start)
      }
      var judged = burn.judge(windowCounts, covered: covered)
      if released != nil && judged.value == nil {
        // Too few requests since the resolve to judge by: that is no evidence of a new burn,
        // whatever `no_data` says (`alerting` would page again at once); the full windows' value
        // is what the alert shows.
        judged = (false, burn.judge({ entry.windows[$0] ?? RequestCounts() }).value)
      }
      state.groupLabels = entry.labels
      let before = state
      let kind = step(&state, rule: rule, value: judged.value, atMs: atMs, holds: judged.holds)
      // Resolved: its windows count from now on for a while (`AlertState.releasedAtMs`).
      if kind == .resolved {
        state.releasedAtMs = to
      } else if kind == .firing || state.releasedAtMs.map({ to - $0 >= burn.releaseMs }) == true {
        state.releasedAtMs = nil
      }
      state.lastValue = judged.value
      state.lastEvaluationMs = atMs
      // What is left of the budget and what the failures were, for the message of a transition
      // and the text of an active alert: the period's counts and the shortest window's attempts,
      // read only then.
      var budget: BudgetStatus?
      var window: Rollup?
      if kind != nil || state.phase != .inactive {
        let start = burnStart(to, burn.periodMs)
        let period =
          try burn.ttftThresholdMs.map {
            BurnRate.ttftCounts(try details.ttftPeriod(start, to: to, source: source), thresholdMs: $0)
          } ?? details.period(start, to: to, source: source)
        var spent = RequestCounts()
        for (series, c) in period where rule.matches(series) && memo.group(series, rule).0 == group {
          spent.add(c.judged(since: recent[series] ?? RequestCounts()))
        }
        var w = Rollup()
        for (series, r) in try details.window(
          RollupKey.bucket(of: to - burn.causesWindowMs), to: to, source: source)
        where rule.matches(series) && memo.group(series, rule).0 == group {
          w.merge(r, latency: false)
        }
        budget = BudgetStatus(burn, spent: spent, burnRate: judged.value)
        window = w
      }
      if let kind {
        // A resolve says what ended it: the burn of the window that fell below its pair's factor
        // (the short one, as a rule), not the long window's burn, which still looks like a page.
        let release =
          kind == .resolved ? burn.release(windowCounts, covered: covered) : nil
        transitions.append(
          transition(
            kind, key: key, rule: rule, value: release?.burn ?? judged.value, labels: entry.labels,
            atMs: atMs,
            firedAtMs: before.firedAtMs, budget: budget, window: window, threshold: release?.factor))
      }
      states[key] =
        state.phase == .inactive && state.activeSinceMs == nil && state.releasedAtMs == nil ? nil : state
      // A group that is here only because it resolved a while ago, with no requests now, is not
      // listed (it is remembered, not evaluated).
      if entry.windows.isEmpty && state.phase == .inactive { continue }
      let requests = entry.windows[burn.pairs.first?.longMs ?? 0]?.inSLI ?? 0
      groups.append(
        GroupResult(
          key: key, labels: allLabels(rule, entry.labels), value: judged.value, attempts: requests,
          phase: state.phase, noDataSinceMs: state.noDataSinceMs, window: window, budget: budget))
    }
  }

  static func groupOf(_ series: SeriesKey, _ rule: AlertRule) -> (String, [String: String]) {
    var labels: [String: String] = [:]
    var parts: [String] = []
    for d in rule.groupBy {
      let v = d.value(of: series)
      labels[d.rawValue] = v
      parts.append("\(d.rawValue)=\(v)")
    }
    return (parts.joined(separator: ","), labels)
  }

  /// A rule's value over a group's window, or `nil` when there is none: no calls, or fewer than
  /// `min_requests` for rates and percentiles (and, for a percentile, too few for it to be other
  /// than the slowest call: ``MetricKind/minimumCalls``). A count of zero is a value when there were calls
  /// (a healthy zero), or when the rule asks for "fewer than" (traffic that stopped).
  static func value(of rule: AlertRule, _ rollup: Rollup) -> Double? {
    if rule.metric.isCount {
      let lessThan = rule.comparison == .less || rule.comparison == .lessOrEqual
      return rollup.attempts > 0 || lessThan ? rule.metric.value(of: rollup) : nil
    }
    return rollup.attempts < max(rule.minRequests, rule.metric.minimumCalls)
      ? nil : rule.metric.value(of: rollup)
  }

  /// The state machine: inactive → pending → firing → (resolved) inactive. Returns the transition.
  /// A window with no value follows the rule's `no_data`: kept as it was (the default; a pending
  /// alert's `for` is then held, its `activeSinceMs` moved on by the time without a value),
  /// taken as the condition not holding (`resolve`) or as holding (`alerting`).
  package static func step(
    _ s: inout AlertState, rule: AlertRule, value: Double?, atMs: Int64, holds condition: Bool? = nil
  ) -> AlertTransition.Kind? {
    var holds: Bool
    var stillFiring: Bool
    if let value {
      // A pending alert's `for` counts only windows that had a value: the time without one (too
      // few calls to judge) is no evidence either way, so it is held, neither counted nor a reset.
      // Two lone 500s minutes apart in a sparse night are not "5xx for 5+ minutes".
      if s.phase == .pending, let since = s.noDataSinceMs, let active = s.activeSinceMs {
        s.activeSinceMs = active + max(0, atMs - since)
      }
      s.noDataSinceMs = nil
      holds = condition ?? rule.comparison.holds(value, rule.threshold)
      stillFiring = condition ?? rule.comparison.holds(value, rule.effectiveResolveThreshold)
    } else {
      switch rule.noData {
      case .keep:
        // Nothing to judge by: the alert stays as it was, and says why.
        if s.phase != .inactive { s.noDataSinceMs = s.noDataSinceMs ?? atMs }
        return nil
      case .resolve: (holds, stillFiring) = (false, false)
      case .alerting: (holds, stillFiring) = (true, true)
      }
      s.noDataSinceMs = s.phase == .inactive && !holds ? nil : (s.noDataSinceMs ?? atMs)
    }
    switch s.phase {
    case .inactive:
      guard holds else {
        s.activeSinceMs = nil
        return nil
      }
      s.activeSinceMs = atMs
      if rule.forMs == 0 {
        s.phase = .firing
        s.firedAtMs = atMs
        return .firing
      }
      s.phase = .pending
      return .pending
    case .pending:
      guard holds else {
        s.phase = .inactive
        s.activeSinceMs = nil
        return .cancelled
      }
      if atMs - (s.activeSinceMs ?? atMs) >= rule.forMs {
        s.phase = .firing
        s.firedAtMs = atMs
        return .firing
      }
      return nil
    case .firing:
      if stillFiring {
        s.resolvingSinceMs = nil
        return nil
      }
      let since = s.resolvingSinceMs ?? atMs
      s.resolvingSinceMs = since
      guard atMs - since >= rule.keepFiringForMs else { return nil }
      s = AlertState()
      return .resolved
    }
  }

  package static func allLabels(_ rule: AlertRule, _ group: [String: String]) -> [String: String] {
    var labels = rule.labels
    for (d, values) in rule.filters where values.count == 1 { labels[d.rawValue] = values[0] }
    labels.merge(group) { _, g in g }
    labels["alertname"] = rule.name
    labels["severity"] = rule.severity
    return labels
  }

  static func transition(
    _ kind: AlertTransition.Kind, key: AlertKey, rule: AlertRule, value: Double?,
    labels group: [String: String],
    atMs: Int64, firedAtMs: Int64?, budget: BudgetStatus? = nil, window: Rollup? = nil,
    threshold: Double? = nil
  ) -> AlertTransition {
    let labels = allLabels(rule, group)
    var context = TemplateContext(rule: rule, value: value, labels: labels)
    context.budget = budget
    context.window = window
    return AlertTransition(
      atMs: atMs, key: key, kind: kind, metric: rule.metric.name, value: value,
      threshold: threshold ?? rule.threshold,
      labels: labels, summary: Template.render(rule.summary, context),
      description: Template.render(rule.description, context),
      receivers: rule.receivers, firedAtMs: kind == .resolved ? firedAtMs : nil)
  }
}
