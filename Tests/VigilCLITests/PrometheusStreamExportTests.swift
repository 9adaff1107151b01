import Foundation
import Testing
import VigilTestSupport

/// Stream failures as Vigil's rule tests and Prometheus over the exported rules see them: a 200
/// whose stream failed is counted in `vigil_attempts_total` with code 200 and its class, and in
/// `vigil_streams_total` / `vigil_stream_failures_total`.
@Suite struct PrometheusStreamExportTests {
  static let rulesFile = """
    version: 1
    defaults: {group_by: [provider], min_requests: 20}
    rules:
      - alert: StreamFailures
        metric: stream_failure_rate
        threshold: 5%
        window: 2m
        for: 1m
        resolve_threshold: 4%
        summary: "{{ labels.provider }}: {{ value }} of streams failed after their 200 over {{ window }} (threshold {{ threshold }}): {{ causes }}"
        description: "{{ advice }}"
      - alert: HighErrorRate
        metric: error_rate
        threshold: 5%
        window: 2m
        for: 3m
        summary: "{{ labels.provider }}: error rate {{ value }}"
        description: "{{ advice }}"
    """

  @Test func vigilAndPrometheusAgreeOnStreamsFailingAfterTheir200() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("streams.yaml"), Self.rulesFile)
    let expectations: [(at: String, firing: [String])] = [
      ("5m", []), ("12m", ["StreamFailures"]), ("16m", ["StreamFailures", "HighErrorRate"]), ("29m", []),
    ]
    var vigilTest = """
      rule_files: [streams.yaml]
      tests:
        - name: half the streams fail overloaded after their 200
          traffic:
            - {provider: anthropic, model: m, from: 0m, to: 10m, rate: 10/s, stream_outcome: {completed: 100%}}
            - {provider: anthropic, model: m, from: 10m, to: 20m, rate: 10/s, stream_outcome: {completed: 50%, error_event: 50%}, stream_error_type: overloaded_error}
            - {provider: anthropic, model: m, from: 20m, to: 30m, rate: 10/s, stream_outcome: {completed: 100%}}
          expect:

      """
    for e in expectations {
      vigilTest +=
        "      - {at: \(e.at), firing: [\(e.firing.map { "{alert: \($0)}" }.joined(separator: ", "))]}\n"
    }
    LogFile.write(dir.file("vigil-test.yaml"), vigilTest)
    let (status, out, err) = try await VigilProcess.run(["rules", "test", dir.file("vigil-test.yaml")])
    #expect(status == 0, "\(out)\(err)")
    let (s2, _, e2) = try await VigilProcess.run([
      "export", "prometheus-rules", "--rules", dir.file("streams.yaml"), "--out", dir.file("rules.yml"),
    ])
    #expect(s2 == 0, "\(e2)")
    // The counters /metrics would have served, one sample every 15 s (10/s is 150 per step).
    let labels = #"provider="anthropic",model="m",app="",env="",endpoint="""#
    let good = "0+150x40 6075+75x39 9150+150x39"
    let failed = "0x40 75+75x39 3000x39"
    let test = """
      rule_files: [rules.yml]
      evaluation_interval: 15s
      tests:
        - interval: 15s
          input_series:
            - series: 'vigil_attempts_total{\(labels),code="200",class="success"}'
              values: '\(good)'
            - series: 'vigil_attempts_total{\(labels),code="200",class="capacity"}'
              values: '\(failed)'
            - series: 'vigil_streams_total{\(labels),outcome="completed"}'
              values: '\(good)'
            - series: 'vigil_streams_total{\(labels),outcome="error_event"}'
              values: '\(failed)'
            - series: 'vigil_stream_failures_total{\(labels),class="capacity"}'
              values: '\(failed)'
          alert_rule_test:

      """
    let summaries = [
      "StreamFailures":
        "anthropic: 50% of streams failed after their 200 over 2m (threshold 5.00%): capacity 600",
      "HighErrorRate": "anthropic: error rate 50%",
    ]
    let descriptions = [
      "StreamFailures":
        "Streams are failing after their 200 (an error event, a cut or a stall): see the failures by class; retry a stream that failed before its first token, fail over while it lasts.",
      "HighErrorRate":
        "Errors: see the breakdown by class; retry 429/5xx with backoff, fix 4xx requests and keys.",
    ]
    try PrometheusExportTests.expectAlertRuleTests(
      test, expectations, names: ["StreamFailures", "HighErrorRate"], provider: "anthropic",
      summaries: summaries, descriptions: descriptions, in: dir)
  }
}
