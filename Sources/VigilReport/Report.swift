package import VigilCore
package import VigilStore

/// Everything a report shows, computed from one scan of the period's rollups and the recorded
/// alert transitions: totals and the article's metrics per provider and model against the rule
/// thresholds, attempts per status code, the alerts of the period, the worst windows, what
/// failures and retries cost in tokens, and time series for the charts.
package struct Report: Sendable {
  package var fromMs: Int64
  package var toMs: Int64
  package var generatedAtMs: Int64
  /// The width of one point of the time series (and of the windows ranked as worst).
  package var stepMs: Int64
  package var total = Rollup()
  package var providers: [Group] = []
  package var models: [Group] = []
  package var thresholds: [Threshold] = []
  package var alerts: [AlertSpan] = []
  package var worstErrorWindows: [Window] = []
  package var slowestWindows: [Window] = []
  /// Per provider, one point per step (nil where there were no calls).
  package var series: [ProviderSeries] = []
  /// P50, P95 and P99 latency (ms) of all calls, per step.
  package var latency: [LatencyPoint] = []
  /// Each source (a log file with its rotated copies, the UDP listener): calls in the period and
  /// the last one, so that a source that went quiet shows.
  package var sources: [SourceActivity] = []
  /// The period of the same length just before, as totals: what "normal" looked like.
  package var previous: Rollup?
  /// How much of the previous period its calls span (first to last 10 s bucket with calls).
  package var previousCoveredMs: Int64 = 0

  /// The previous period has too little to compare with: calls over less than a tenth of its
  /// length, or fewer than a tenth of this period's (10 seconds of data against an hour would
  /// print `+36800.0%`).
  package var previousTooShort: Bool {
    guard let previous else { return false }
    return previousCoveredMs * 10 < toMs - fromMs || previous.attempts < total.attempts / 10
  }
  /// Failed attempts per provider, model and status, most first.
  package var errorsByModel: [ErrorRow] = []
  /// Failed calls per provider error code (or type), from the stored calls (the last million of
  /// the period at most: `errorCodesComplete` says whether that was all of it).
  package var errorCodes: [ErrorCodeCount] = []
  package var errorCodesComplete = true
  /// Streams that failed after their 2xx per outcome and in-band type, from the stored calls
  /// (bounded like ``errorCodes``).
  package var streamFailureTypes: [StreamFailureCount] = []
  /// When retention deleted the raw calls of the period's start (its rollups remain): the time
  /// from which raw calls are still stored. Error codes and sources count only from there.
  package var rawCallsFromMs: Int64?
  /// What ``rawCallsFromMs`` means for the reader, or nil when every raw call of the period is there.
  package var rawCallsNote: String? {
    rawCallsFromMs.map {
      "Raw calls before \(zone.format($0)) were deleted by retention: error codes and sources count only from then (the totals, rates and charts cover the whole period)."
    }
  }
  /// The one provider the report is about, when it was asked for one.
  package var provider: String?
  /// Where times are shown (UTC unless asked).
  package var zone = ReportZone.utc

  /// Failed attempts of one model with one status.
  package struct ErrorRow: Sendable, Equatable {
    package var provider: String
    package var model: String
    package var status: Int
    package var count: Int64
    /// The model's attempts in the period, for the share.
    package var attempts: Int64
    package var statusClass: StatusClass { StatusClass(status: status) }
  }

  /// A provider, or a provider's model, over the whole period.
  package struct Group: Sendable {
    package var provider: String
    package var model: String?
    package var rollup: Rollup
    package var name: String { model.map { "\(provider)/\($0)" } ?? provider }
  }

  /// A metric of the table with the threshold it is held to (the rules' own, else the article's).
  package struct Threshold: Sendable {
    package var metric: MetricKind
    package var value: Double
    package var comparison: Comparison
    package var rule: String?

    /// Whether `v` breaches it.
    package func breached(_ v: Double?) -> Bool { v.map { comparison.holds($0, value) } ?? false }
    package var text: String { AlertRule.thresholdText(comparison, metric, value) }
  }

  package struct AlertSpan: Sendable {
    package var rule: String
    package var labels: [String: String]
    package var startMs: Int64
    /// `nil` while still firing at the end of the period.
    package var endMs: Int64?
    package var summary: String
    package var severity: String { labels["severity"] ?? "" }
    package var scope: String {
      labels.filter { !["alertname", "severity"].contains($0.key) }.sorted { $0.key < $1.key }
        .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
  }

  package struct Window: Sendable {
    package var startMs: Int64
    package var provider: String
    package var value: Double
    package var attempts: Int64
  }

  package struct ProviderSeries: Sendable {
    package var provider: String
    package var points: [Point]
  }

  package struct Point: Sendable {
    package var atMs: Int64
    package var attempts: Int64
    package var errorRate: Double?
    package var rate429: Double?
    package var rate5xx: Double?
  }

  package struct LatencyPoint: Sendable {
    package var atMs: Int64
    package var p50: Double?
    package var p95: Double?
    package var p99: Double?
  }

  /// The table's metrics: the article's five, with the thresholds of the rules that watch them.
  package static func thresholds(from rules: RuleSet) -> [Threshold] {
    MetricKind.articleThresholds.map { metric, article in
      if let rule = rules.rules.first(where: { $0.metric == metric && $0.filters.isEmpty }) {
        return Threshold(metric: metric, value: rule.threshold, comparison: rule.comparison, rule: rule.name)
      }
      return Threshold(metric: metric, value: article, comparison: .greater, rule: nil)
    }
  }

  /// A step that gives at most about 150 points over `span`.
  static func step(for span: Int64) -> Int64 {
    let steps: [Int64] = [
      10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000,
      43_200_000, 86_400_000,
    ]
    return steps.first { span / $0 <= 150 } ?? 86_400_000 * ((span / 86_400_000 + 149) / 150)
  }

  /// Builds the report of `[fromMs, toMs)` from the store: of every provider, or of `provider`
  /// alone; with the previous period's totals when `previous`.
  package static func build(
    store: Store, rules: RuleSet, fromMs: Int64, toMs: Int64, nowMs: Int64, provider: String? = nil,
    previous: Bool = true
  ) throws
    -> Report
  {
    let step = Self.step(for: max(toMs - fromMs, rollupBucketMs))
    let from = RollupKey.bucket(of: fromMs)
    var report = Report(fromMs: fromMs, toMs: toMs, generatedAtMs: nowMs, stepMs: step)
    report.provider = provider
    report.thresholds = thresholds(from: rules)
    if previous {
      var before = Rollup()
      let span = toMs - fromMs
      var (first, last) = (Int64.max, Int64.min)
      for row in try store.rollupRows(fromMs: from - span, toMs: from, latency: true)
      where provider == nil || row.series.provider == provider {
        before.merge(row.rollup)
        if row.rollup.attempts > 0 { (first, last) = (min(first, row.bucketMs), max(last, row.bucketMs)) }
      }
      report.previous = before
      report.previousCoveredMs = first <= last ? last + rollupBucketMs - first : 0
    }
    report.sources = SourceActivity.byFamily(try store.sourceActivity(fromMs: fromMs, toMs: toMs)).values
      .sorted { $0.source < $1.source }
    // One merge per row into its (series, step) cell; everything else is derived from the cells.
    let stepCount = Int((toMs - from + step - 1) / step)
    var cells: [SeriesKey: [Rollup?]] = [:]
    for row in try store.rollupRows(fromMs: from, toMs: toMs, latency: true, codes: true)
    where provider == nil || row.series.provider == provider {
      let i = Int((row.bucketMs - from) / step)
      guard i >= 0 && i < stepCount else { continue }
      if cells[row.series] == nil { cells[row.series] = [Rollup?](repeating: nil, count: stepCount) }
      if cells[row.series]![i] == nil { cells[row.series]![i] = Rollup() }
      cells[row.series]![i]!.merge(row.rollup)
    }
    var byProvider: [String: Rollup] = [:]
    var byModel: [String: (String, String, Rollup)] = [:]
    var providerSteps: [String: [Rollup]] = [:]
    var allSteps = [Rollup](repeating: Rollup(), count: stepCount)
    for (series, steps) in cells {
      var whole = Rollup()
      for (i, cell) in steps.enumerated() {
        guard let cell else { continue }
        whole.merge(cell)
        providerSteps[series.provider, default: [Rollup](repeating: Rollup(), count: stepCount)][i].merge(
          cell)
        allSteps[i].merge(cell)
      }
      report.total.merge(whole)
      byProvider[series.provider, default: Rollup()].merge(whole)
      let key = series.provider + "\u{0}" + series.model
      byModel[key] = (series.provider, series.model, (byModel[key]?.2 ?? Rollup()).merged(with: whole))
    }
    report.providers = byProvider.sorted { $0.key < $1.key }.map {
      Group(provider: $0.key, model: nil, rollup: $0.value)
    }
    report.models = byModel.values.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map {
      Group(provider: $0.0, model: $0.1, rollup: $0.2)
    }
    report.errorsByModel = report.models.flatMap { g in
      g.rollup.codes.sorted.filter { StatusClass.isError($0.status) }.map {
        ErrorRow(
          provider: g.provider, model: g.model ?? "", status: $0.status, count: $0.count,
          attempts: g.rollup.attempts)
      }
    }.sorted { ($1.count, $0.provider, $0.model, $0.status) < ($0.count, $1.provider, $1.model, $1.status) }
    let floor: Int64 = 20
    var errorWindows: [Window] = []
    var slowWindows: [Window] = []
    for (provider, steps) in providerSteps.sorted(by: { $0.key < $1.key }) {
      var points: [Point] = []
      for (i, r) in steps.enumerated() {
        let at = from + Int64(i) * step
        points.append(
          Point(
            atMs: at, attempts: r.attempts, errorRate: MetricKind.errorRate.value(of: r),
            rate429: MetricKind.rate429.value(of: r), rate5xx: MetricKind.rate5xx.value(of: r)))
        guard r.attempts >= floor else { continue }
        if let e = MetricKind.errorRate.value(of: r), e > 0 {
          errorWindows.append(Window(startMs: at, provider: provider, value: e, attempts: r.attempts))
        }
        if let p = r.latency.quantile(0.99) {
          slowWindows.append(Window(startMs: at, provider: provider, value: p, attempts: r.attempts))
        }
      }
      report.series.append(ProviderSeries(provider: provider, points: points))
    }
    report.worstErrorWindows = Array(
      errorWindows.sorted { ($0.value, $1.startMs) > ($1.value, $0.startMs) }.prefix(5))
    report.slowestWindows = Array(
      slowWindows.sorted { ($0.value, $1.startMs) > ($1.value, $0.startMs) }.prefix(5))
    report.latency = allSteps.enumerated().map { i, r in
      LatencyPoint(
        atMs: from + Int64(i) * step, p50: r.latency.quantile(0.5), p95: r.latency.quantile(0.95),
        p99: r.latency.quantile(0.99))
    }
    (report.errorCodes, report.errorCodesComplete) = try store.errorCodes(
      fromMs: fromMs, toMs: toMs, provider: provider)
    if report.total.streams > 0 {
      report.streamFailureTypes = try store.streamFailureTypes(fromMs: fromMs, toMs: toMs, provider: provider)
        .counts
    }
    // Rollups older than the oldest raw call: retention took the raw calls, said here, not hidden.
    let oldestRaw = try store.oldestRawCallMs() ?? toMs
    if oldestRaw > fromMs, let first = try store.bucketRange()?.0, first < min(oldestRaw, toMs) {
      report.rawCallsFromMs = min(oldestRaw, toMs)
    }
    report.alerts = try alertSpans(store: store, fromMs: fromMs, toMs: toMs).filter {
      provider == nil || $0.labels["provider"] == nil || $0.labels["provider"] == provider
    }
    return report
  }

  /// Alerts that fired in the period, or were firing when it began: from each firing to its resolve.
  static func alertSpans(store: Store, fromMs: Int64, toMs: Int64) throws -> [AlertSpan] {
    var open: [String: AlertSpan] = [:]
    var spans: [AlertSpan] = []
    for t in try store.transitions(toMs: toMs) {
      let key = t.rule + "\u{0}" + t.group
      if t.kind == "firing" {
        open[key] = AlertSpan(rule: t.rule, labels: t.labels, startMs: t.atMs, endMs: nil, summary: t.summary)
      } else if t.kind == "resolved", var span = open.removeValue(forKey: key) {
        span.endMs = t.atMs
        if t.atMs >= fromMs { spans.append(span) }
      }
    }
    spans += open.values
    return spans.sorted { ($0.startMs, $0.rule, $0.scope) < ($1.startMs, $1.rule, $1.scope) }
  }

  /// Attempts per status code over the period, with each code's class.
  package var codes: [(status: Int, count: Int64, statusClass: StatusClass)] {
    total.codes.sorted.map { ($0.status, $0.count, StatusClass(status: $0.status)) }
  }

  /// Tokens spent on attempts that failed, and on retries.
  package var failedTokens: Int64 { total.failedTokens }
  package var retryTokens: Int64 { total.retryTokens }
  package var totalTokens: Int64 { total.promptTokens.saturatingAdding(total.completionTokens) }
}

extension Rollup {
  func merged(with other: Rollup) -> Rollup {
    var r = self
    r.merge(other)
    return r
  }
}
