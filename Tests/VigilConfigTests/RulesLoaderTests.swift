import Testing
import VigilCore

@testable import VigilConfig

/// The messages a rules file `a.yaml` with this text is refused with (none when it loads).
func errors(_ yaml: String) -> [String] {
  do {
    _ = try RulesLoader.load(yaml: yaml, file: "a.yaml")
    return []
  } catch {
    return error.errors.map(\.description)
  }
}

@Suite struct RulesLoaderTests {

  @Test func theShippedFileLoads() throws {
    let set = try RulesLoader.load(path: "alerts.yaml")
    #expect(
      set.rules.map(\.name) == [
        "HighErrorRate", "HighRateLimitRate", "ServerErrors", "SlowResponses", "StreamFailures",
        "SlowFirstToken",
        "RetriesExhausted",
        "AuthFailures", "RateLimitHeadroom", "QuotaHeadroom", "QuotaExhausted", "CallsStopped", "SourceQuiet",
        "ProviderAvailabilityPage",
        "ProviderAvailabilityTicket",
      ])
    #expect(set.warnings.isEmpty)
    let byName = Dictionary(uniqueKeysWithValues: set.rules.map { ($0.name, $0) })
    // The article's thresholds, exactly.
    #expect(byName["HighErrorRate"]?.threshold == 0.05)
    #expect(byName["HighRateLimitRate"]?.threshold == 0.10)
    #expect(byName["ServerErrors"]?.threshold == 0.02 && byName["ServerErrors"]?.forMs == 300_000)
    #expect(
      byName["SlowResponses"]?.threshold == 30_000
        && byName["SlowResponses"]?.metric == .streamLatencyQuantile(0.99, streamed: false))
    #expect(
      byName["StreamFailures"]?.metric == .streamFailureRate(nil)
        && byName["StreamFailures"]?.threshold == 0.05)
    #expect(
      byName["SlowFirstToken"]?.metric == .ttftQuantile(0.95) && byName["SlowFirstToken"]?.minRequests == 50)
    #expect(byName["RetriesExhausted"]?.threshold == 0.01)
    // Keys and quota by count, at any traffic level.
    #expect(byName["AuthFailures"]?.metric == .authFailures && byName["AuthFailures"]?.threshold == 5)
    #expect(
      byName["QuotaExhausted"]?.metric == .classCount(.quota)
        && byName["QuotaExhausted"]?.labels["category"] == "billing")
    // The SLO per provider, its ticket on a receiver of its own.
    #expect(byName["ProviderAvailabilityPage"]?.burn?.objective == 0.999)
    #expect(byName["ProviderAvailabilityPage"]?.groupBy == [.provider])
    #expect(byName["ProviderAvailabilityTicket"]?.receivers == ["tickets"])
    // One incident, one page.
    #expect(set.inhibitRules.count == 3)
    #expect(set.receiver(named: "stdout")?.routing.fold == true)
    #expect(set.receiver(named: "stdout")?.routing.groupBy == ["provider"])
    #expect(set.evaluationIntervalMs == 15_000)
  }

  @Test func everyKeyIsRead() throws {
    let set = try RulesLoader.load(
      yaml: """
        version: 1
        defaults:
          evaluation_interval: 30s
          evaluation_delay: 10s
          window: 10m
          min_requests: 5
          group_by: [provider, model]
        receivers:
          - {name: stdout, type: stdout}
          - {name: console, type: stdout}
        rules:
          - alert: Quota
            metric: class_rate
            class: quota
            op: ">="
            threshold: 0.01
            for: 2m
            keep_firing_for: 1m
            resolve_threshold: 0.5%
            filters: {provider: openai, env: [prod, staging]}
            severity: critical
            labels: {team: ml}
            summary: "{{ labels.provider }} {{ labels.team }} {{ value }}"
            receivers: [console]
          - alert: TrafficStopped
            metric: request_count
            op: "<"
            threshold: 1
            group_by: [app]
          - alert: SlowP95
            metric: latency_percentile
            percentile: 95
            threshold: 2500
        """, file: "x.yaml")
    #expect(set.evaluationIntervalMs == 30_000 && set.evaluationDelayMs == 10_000)
    let q = set.rules[0]
    #expect(q.metric == .classRate(.quota) && q.comparison == .greaterOrEqual && q.threshold == 0.01)
    #expect(
      q.windowMs == 600_000 && q.forMs == 120_000 && q.keepFiringForMs == 60_000
        && q.resolveThreshold == 0.005)
    #expect(q.filters[.provider] == ["openai"] && q.filters[.env] == ["prod", "staging"])
    #expect(q.groupBy == [.provider, .model] && q.minRequests == 5 && q.severity == "critical")
    #expect(q.labels == ["team": "ml"] && q.receivers == ["console"])
    #expect(
      set.rules[1].metric == .requestCount && set.rules[1].comparison == .less
        && set.rules[1].groupBy == [.app])
    #expect(set.rules[2].metric == .latencyQuantile(0.95) && set.rules[2].threshold == 2500)
  }

  @Test func thresholdsAsPercentOrFractionAndARateAboveOneIsRefused() {
    let rule = { (t: String) in
      "version: 1\nrules:\n  - alert: A\n    metric: error_rate\n    threshold: \(t)\n"
    }
    #expect(errors(rule("5%")).isEmpty)
    #expect(errors(rule("0.05")).isEmpty)
    #expect(
      errors(rule("5")) == ["a.yaml:5:16: rule 'A': threshold 5 for a rate is above 1: write 5% or 0.05"])
    #expect(errors(rule("120%")) == ["a.yaml:5:16: rule 'A': '120%' is not a percentage between 0% and 100%"])
  }

  @Test(arguments: [
    (
      "version: 1\nrules:\n  - alert: A\n    metric: error_rate\n    threshold: [5%\n",
      "a.yaml:6:1: YAML syntax:"
    ),
    (
      "version: 1\nrules:\n  - alert: A\n    metric: eror_rate\n    threshold: 5%\n",
      "a.yaml:4:13: rule 'A': unknown metric 'eror_rate' (did you mean 'error_rate'?)"
    ),
    (
      "version: 1\nrules:\n  - alert: A\n    metric: error_rate\n    treshold: 5%\n",
      "a.yaml:5:5: unknown key 'treshold' in a rule (did you mean 'threshold'?)"
    ),
    (
      "version: 1\nrules:\n  - alert: A\n    metric: error_rate\n    threshold: 5%\n    window: -5m\n",
      "a.yaml:6:13: '-5m' is not a duration such as 30s, 5m or 1h (durations cannot be negative)"
    ),
    (
      "version: 1\nrules:\n  - alert: A\n    metric: error_rate\n    threshold: 5%\n    summary: \"{{ labels.model }}\"\n",
      "a.yaml:6:14: rule 'A': summary refers to '{{ labels.model }}', which this rule does not have"
    ),
    (
      "version: 1\nrules:\n  - alert: A\n    metric: error_rate\n    threshold: 5%\n    receivers: [slack]\n",
      "a.yaml:6:16: rule 'A': receiver 'slack' is not declared"
    ),
    ("rules: []\n", "a.yaml:1:1: missing 'version: 1'"),
    ("version: 2\nrules: []\n", "a.yaml:1:10: version 2 is not supported; this vigil reads version 1"),
    (
      "version: 1\nrules:\n  - alert: A\n    metric: class_rate\n    class: qouta\n    threshold: 1%\n",
      "a.yaml:5:12: rule 'A': unknown class 'qouta' (did you mean 'quota'?)"
    ),
    (
      "version: 1\nreceivers:\n  - {name: chat, type: slack}\nrules: []\n",
      "a.yaml:3:24: receiver 'chat': unknown type 'slack' (one of stdout, webhook, email, alertmanager)"
    ),
  ])
  func badFilesAreRefusedWithLineAndColumn(yaml: String, expected: String) {
    let found = errors(yaml)
    #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
  }

  @Test func everyErrorIsReportedNotJustTheFirst() {
    let found = errors(
      "version: 1\nrules:\n  - alert: A\n    metric: nope\n    threshold: 5%\n  - alert: B\n    metric: error_rate\n    threshold: 7\n"
    )
    #expect(found.count == 2)
  }
}
