import Foundation
import Testing
import VigilTestSupport

/// `vigil export prometheus-rules`: promtool accepts what it writes, and on one scenario Vigil's
/// rule tests and `promtool test rules` must agree on which alerts fire when.
@Suite(.serialized) struct PrometheusExportTests {
  static func promtool(_ arguments: [String], in dir: TemporaryDirectory) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    let out = dir.file("promtool-\(UUID().uuidString).txt")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
  }

  @Test func promtoolChecksTheExportedRules() throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try VigilProcess.run([
      "export", "prometheus-rules", "--rules", "alerts.yaml", "--out", dir.file("rules.yml"),
    ])
    #expect(status == 0, "\(err)")
    let (code, output) = try Self.promtool(["check", "rules", "rules.yml"], in: dir)
    #expect(code == 0, "\(output)")
    #expect(output.contains("SUCCESS: 6 rules found"))
  }

  /// One scenario, written once: openai serves 10 calls/s for 30 minutes, and from minute 10 to
  /// minute 20 also answers 5 calls/s with 429. Expected: nothing at 5m, HighRateLimitRate and
  /// HighErrorRate for openai at 16m, nothing at 29m.
  @Test func vigilAndPrometheusAgreeOnAFourTwentyNineStorm() throws {
    let dir = TemporaryDirectory()
    let rules = FileManager.default.currentDirectoryPath + "/alerts.yaml"
    let expectations: [(at: String, firing: [String])] = [
      ("5m", []), ("16m", ["HighRateLimitRate", "HighErrorRate"]), ("29m", []),
    ]
    // Vigil's side: a rule test over the same traffic.
    var vigilTest = """
      rule_files: [\(rules)]
      tests:
        - name: a 429 storm, as Prometheus sees it too
          traffic:
            - {provider: openai, model: m, from: 0m, to: 30m, rate: 10/s, status: {200: 100%}}
            - {provider: openai, model: m, from: 10m, to: 20m, rate: 5/s, status: {429: 100%}}
          expect:

      """
    for e in expectations {
      vigilTest +=
        "      - {at: \(e.at), firing: [\(e.firing.map { "{alert: \($0), labels: {provider: openai}}" }.joined(separator: ", "))]}\n"
    }
    LogFile.write(dir.file("vigil-test.yaml"), vigilTest)
    let (status, out, err) = try VigilProcess.run(["rules", "test", dir.file("vigil-test.yaml")])
    #expect(status == 0, "\(out)\(err)")
    // Prometheus's side: the exported rules over the counters /metrics would have served, one
    // sample every 15 s (10/s is 150 per step, 5/s is 75).
    let (s2, _, e2) = try VigilProcess.run([
      "export", "prometheus-rules", "--rules", rules, "--out", dir.file("rules.yml"),
    ])
    #expect(s2 == 0, "\(e2)")
    let labels = #"provider="openai",model="m",app="",env="",endpoint="""#
    var test = """
      rule_files: [rules.yml]
      evaluation_interval: 15s
      tests:
        - interval: 15s
          input_series:
            - series: 'vigil_attempts_total{\(labels),code="200",class="success"}'
              values: '0+150x120'
            - series: 'vigil_attempts_total{\(labels),code="429",class="capacity"}'
              values: '0x40 75+75x39 3000x39'
            - series: 'vigil_requests_total{\(labels)}'
              values: '0+150x40 6225+225x39 15150+150x39'
            - series: 'vigil_retries_exhausted_total{\(labels)}'
              values: '0x120'
          alert_rule_test:

      """
    let summaries = [
      "HighRateLimitRate": "openai: 33.33% of attempts rate limited (429) over 2m (threshold 10.00%)",
      "HighErrorRate": "openai: error rate 33.33% over 2m (threshold 5.00%)",
    ]
    let descriptions = [
      "HighRateLimitRate":
        "Rate limited or overloaded: back off exponentially with jitter, honour Retry-After, and rate-limit on the client.",
      "HighErrorRate":
        "Errors: see the breakdown by class; retry 429/5xx with backoff, fix 4xx requests and keys.",
    ]
    for e in expectations {
      for name in ["HighRateLimitRate", "HighErrorRate"] {
        test += "      - eval_time: \(e.at)\n        alertname: \(name)\n"
        if e.firing.contains(name) {
          test += """
                    exp_alerts:
                      - exp_labels: {severity: warning, provider: openai}
                        exp_annotations:
                          summary: "\(summaries[name]!)"
                          description: "\(descriptions[name]!)"

            """
        } else {
          test += "        exp_alerts: []\n"
        }
      }
    }
    LogFile.write(dir.file("prom-test.yml"), test)
    let (code, output) = try Self.promtool(["test", "rules", "prom-test.yml"], in: dir)
    #expect(code == 0, "\(output)\n\(test)")
  }
}
