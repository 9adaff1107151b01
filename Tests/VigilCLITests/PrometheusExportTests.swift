import Foundation
import Testing
import VigilTestSupport

/// `vigil export prometheus-rules`: promtool accepts what it writes, and on one scenario Vigil's
/// rule tests and `promtool test rules` must agree on which alerts fire when.
@Suite(.serialized) struct PrometheusExportTests {
  static func promtool(_ arguments: [String], in dir: TemporaryDirectory) throws -> (Int32, String) {
    try tool(RequiredTool.path("/usr/bin/promtool", package: "prometheus"), arguments, in: dir)
  }

  /// Runs a Prometheus tool in `dir`: its status, and its output and errors together.
  static func tool(_ path: String, _ arguments: [String], in dir: TemporaryDirectory) throws -> (
    Int32, String
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    let out = dir.file("tool-\(UUID().uuidString).txt")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
  }

  /// promtool's `alert_rule_test` entries: at each instant, each named alert firing (warning,
  /// for `provider`, with its summary and description) or not.
  /// Runs `test` (promtool's input series) with them under promtool and expects it to pass.
  static func expectAlertRuleTests(
    _ test: String, _ expectations: [(at: String, firing: [String])], names: [String], provider: String,
    summaries: [String: String], descriptions: [String: String], in dir: TemporaryDirectory
  ) throws {
    let test =
      test
      + alertRuleTests(
        expectations, names: names, provider: provider, summaries: summaries, descriptions: descriptions)
    LogFile.write(dir.file("prom-test.yml"), test)
    let (code, output) = try promtool(["test", "rules", "prom-test.yml"], in: dir)
    #expect(code == 0, "\(output)\n\(test)")
  }

  static func alertRuleTests(
    _ expectations: [(at: String, firing: [String])], names: [String], provider: String,
    summaries: [String: String], descriptions: [String: String]
  ) -> String {
    var test = ""
    for e in expectations {
      for name in names {
        test += "      - eval_time: \(e.at)\n        alertname: \(name)\n"
        if e.firing.contains(name) {
          test += """
                    exp_alerts:
                      - exp_labels: {severity: warning, provider: \(provider)}
                        exp_annotations:
                          summary: "\(summaries[name]!)"
                          description: "\(descriptions[name]!)"

            """
        } else {
          test += "        exp_alerts: []\n"
        }
      }
    }
    return test
  }

  @Test func promtoolChecksTheExportedRules() async throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try await VigilProcess.run([
      "export", "prometheus-rules", "--rules", "alerts.yaml", "--out", dir.file("rules.yml"),
    ])
    #expect(status == 0, "\(err)")
    let (code, output) = try Self.promtool(["check", "rules", "rules.yml"], in: dir)
    #expect(code == 0, "\(output)")
    // 13 alerts (the 2 headroom forecasts stay in Vigil, and say so), and for the SLO's 7 windows
    // and its period: requests, bad ones and their ratio.
    #expect(output.contains("SUCCESS: 37 rules found"), "\(output)")
    let rules = try String(contentsOfFile: dir.file("rules.yml"), encoding: .utf8)
    #expect(
      rules.contains("# RateLimitHeadroom: not exported") && !rules.contains("alert: \"RateLimitHeadroom\""))
  }

  /// vmalert 1.79 (Debian's victoria-metrics) refuses a rule with keep_firing_for: the shipped
  /// rules exported for it load there (its dry run) and still in promtool.
  @Test func theVmalertExportLoadsInVmalertAndPromtool() async throws {
    let dir = TemporaryDirectory()
    let vmalert = try RequiredTool.path("/usr/bin/vmalert", package: "victoria-metrics")
    for (engine, file) in [("prometheus", "prom.yml"), ("vmalert", "vm.yml")] {
      let (status, _, err) = try await VigilProcess.run([
        "export", "prometheus-rules", "--rules", "alerts.yaml", "--engine", engine, "--out", dir.file(file),
      ])
      #expect(status == 0, "\(err)")
    }
    let (refused, why) = try Self.tool(vmalert, ["-rule=prom.yml", "-dryRun"], in: dir)
    #expect(refused != 0 && why.contains("keep_firing_for"), "\(why)")
    let (code, output) = try Self.tool(vmalert, ["-rule=vm.yml", "-dryRun"], in: dir)
    #expect(code == 0 && !output.contains("error"), "\(output)")
    let (checked, checkOutput) = try Self.promtool(["check", "rules", "vm.yml"], in: dir)
    #expect(checked == 0 && checkOutput.contains("SUCCESS: 37 rules found"), "\(checkOutput)")
    let vm = try String(contentsOfFile: dir.file("vm.yml"), encoding: .utf8)
    #expect(!vm.contains("        keep_firing_for:") && vm.contains("# keep_firing_for 1m left out"))
    let (bad, _, badErr) = try await VigilProcess.run([
      "export", "prometheus-rules", "--rules", "alerts.yaml", "--engine", "thanos",
    ])
    #expect(bad != 0 && badErr.contains("--engine must be prometheus or vmalert"), "\(badErr)")
  }

  /// One scenario, written once: openai serves 10 calls/s for 30 minutes, and from minute 10 to
  /// minute 20 also answers 5 calls/s with 429. Expected: nothing at 5m, HighRateLimitRate and
  /// HighErrorRate for openai at 16m, nothing at 29m.
  @Test func vigilAndPrometheusAgreeOnAFourTwentyNineStorm() async throws {
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
            - {provider: openai, model: m, from: 0m, to: 30m, rate: 10/s, max_attempts: 3, status: {200: 100%}}
            - {provider: openai, model: m, from: 10m, to: 20m, rate: 5/s, max_attempts: 3, status: {429: 100%}}
          expect:

      """
    for e in expectations {
      vigilTest +=
        "      - {at: \(e.at), firing: [\(e.firing.map { "{alert: \($0), labels: {provider: openai}}" }.joined(separator: ", "))]}\n"
    }
    LogFile.write(dir.file("vigil-test.yaml"), vigilTest)
    let (status, out, err) = try await VigilProcess.run(["rules", "test", dir.file("vigil-test.yaml")])
    #expect(status == 0, "\(out)\(err)")
    // Prometheus's side: the exported rules over the counters /metrics would have served, one
    // sample every 15 s (10/s is 150 per step, 5/s is 75).
    let (s2, _, e2) = try await VigilProcess.run([
      "export", "prometheus-rules", "--rules", rules, "--out", dir.file("rules.yml"),
    ])
    #expect(s2 == 0, "\(e2)")
    let labels = #"provider="openai",model="m",app="",env="",endpoint="""#
    let test = """
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
            - series: 'vigil_cancelled_requests_total{\(labels)}'
              values: '0x120'
            - series: 'vigil_retries_exhausted_total{\(labels)}'
              values: '0x120'
            - series: 'vigil_unavailable_requests_total{\(labels)}'
              values: '0x120'
          alert_rule_test:

      """
    let summaries = [
      "HighRateLimitRate":
        "openai: 33.33% of attempts got 429 over 2m (threshold 10.00%): throttling (too many requests or tokens for the limit)",
      "HighErrorRate": "openai: error rate 33.33% over 2m (threshold 5.00%): capacity 600",
    ]
    let descriptions = [
      "HighRateLimitRate":
        "Rate limited or overloaded: back off exponentially with jitter, honour Retry-After, and rate-limit on the client.",
      "HighErrorRate":
        "Errors: see the breakdown by class; retry 429/5xx with backoff, fix 4xx requests and keys.",
    ]
    try Self.expectAlertRuleTests(
      test, expectations, names: ["HighRateLimitRate", "HighErrorRate"], provider: "openai",
      summaries: summaries, descriptions: descriptions, in: dir)
  }
}

extension PrometheusExportTests {
  /// The SLO's page, as Vigil's rule tests and Prometheus over the exported recording rules see
  /// it: openai answers 10 calls/s; from minute 70 to 80 every call fails for good. Both page by
  /// minute 72 and have stopped once the outage has left the 30-minute window.
  @Test func vigilAndPrometheusAgreeOnAnSLOPage() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(
      dir.file("slo.yaml"),
      """
      version: 1
      defaults: {evaluation_interval: 15s, group_by: [provider]}
      slos:
        - name: ProviderAvailability
          objective: 99.9%
          page: {summary: "{{ slo }} for {{ labels.provider }}", description: "fail over"}
          ticket: {summary: "{{ slo }} ticket", description: "look into it"}
      """)
    // Vigil's ticket opens a few minutes after the page: with an hour of history, its day window
    // is judged as a day whose earlier part was healthy.
    let expectations: [(at: String, firing: Bool, ticket: Bool)] = [
      ("70m", false, false), ("72m", true, false), ("79m", true, true), ("115m", false, true),
    ]
    var vigilTest = """
      rule_files: [slo.yaml]
      tests:
        - name: an outage of ten minutes
          traffic:
            - {provider: openai, model: m, from: 0m, to: 70m, rate: 10/s, max_attempts: 3}
            - {provider: openai, model: m, from: 70m, to: 80m, rate: 10/s, max_attempts: 3, status: {503: 100%}, exhausted: 100%}
            - {provider: openai, model: m, from: 80m, to: 150m, rate: 10/s, max_attempts: 3}
          expect:

      """
    for e in expectations {
      let page = e.firing ? ["{alert: ProviderAvailabilityPage, labels: {provider: openai}}"] : []
      let ticket = e.ticket ? ["{alert: ProviderAvailabilityTicket}"] : []
      vigilTest += "      - {at: \(e.at), firing: [\((page + ticket).joined(separator: ", "))]}\n"
    }
    LogFile.write(dir.file("vigil-test.yaml"), vigilTest)
    let (status, out, err) = try await VigilProcess.run(["rules", "test", dir.file("vigil-test.yaml")])
    #expect(status == 0, "\(out)\(err)")
    let (s2, _, e2) = try await VigilProcess.run([
      "export", "prometheus-rules", "--rules", dir.file("slo.yaml"), "--out", dir.file("rules.yml"),
    ])
    #expect(s2 == 0, "\(e2)")
    let (checked, checkOutput) = try Self.promtool(["check", "rules", "rules.yml"], in: dir)
    #expect(checked == 0, "\(checkOutput)")
    // One sample every 15 s: 150 requests per step; 40 steps of failures from 70m.
    let labels = #"provider="openai",model="m",app="",env="",endpoint="""#
    var test = """
      rule_files: [rules.yml]
      evaluation_interval: 15s
      tests:
        - interval: 15s
          input_series:
            - series: 'vigil_requests_total{\(labels)}'
              values: '0+150x600'
            - series: 'vigil_cancelled_requests_total{\(labels)}'
              values: '0x600'
            - series: 'vigil_unavailable_requests_total{\(labels)}'
              values: '0x280 150+150x39 6000x280'
          alert_rule_test:

      """
    for e in expectations {
      test += "      - eval_time: \(e.at)\n        alertname: ProviderAvailabilityPage\n"
      test +=
        e.firing
        ? """
                exp_alerts:
                  - exp_labels: {severity: critical, provider: openai, slo: ProviderAvailability}
                    exp_annotations: {summary: "ProviderAvailability for openai", description: "fail over"}

        """ : "        exp_alerts: []\n"
    }
    LogFile.write(dir.file("prom-test.yml"), test)
    let (code, output) = try Self.promtool(["test", "rules", "prom-test.yml"], in: dir)
    #expect(code == 0, "\(output)\n\(test)")
  }

  /// The SLO alerts' annotations in Prometheus compute the budget left and the time to
  /// exhaustion with queries, as Vigil's messages say them.
  @Test func theExportedSLOMessageSaysTheBudget() async throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try await VigilProcess.run([
      "export", "prometheus-rules", "--rules", "alerts.yaml", "--out", dir.file("rules.yml"),
    ])
    #expect(status == 0, "\(err)")
    let labels = #"provider="openai",model="m",app="",env="",endpoint="""#
    // 2% of requests fail for good all along: twenty times the budget of 99.9%; the page's
    // 1 h & 5 m pair holds.
    LogFile.write(
      dir.file("prom-test.yml"),
      """
      rule_files: [rules.yml]
      evaluation_interval: 15s
      tests:
        - interval: 15s
          input_series:
            - series: 'vigil_requests_total{\(labels)}'
              values: '0+150x400'
            - series: 'vigil_cancelled_requests_total{\(labels)}'
              values: '0x400'
            - series: 'vigil_unavailable_requests_total{\(labels)}'
              values: '0+3x400'
            - series: 'vigil_attempts_total{\(labels),code="200",class="success"}'
              values: '0+147x400'
            - series: 'vigil_attempts_total{\(labels),code="503",class="capacity"}'
              values: '0+3x400'
          alert_rule_test:
            - eval_time: 90m
              alertname: ProviderAvailabilityPage
              exp_alerts:
                - exp_labels: {severity: critical, provider: openai, slo: ProviderAvailability}
                  exp_annotations:
                    summary: "ProviderAvailability for openai: error budget burning 20.0x the allowed rate (objective 99.9%), failures: capacity 60; budget left: 0%; at this rate exhausted in: 0s"
                    description: "Requests are failing on the provider's side faster than the objective allows: see which kind of failure dominates; retry 429/5xx with backoff and jitter, fail over to another model or provider while it lasts."
      """)
    let (code, output) = try Self.promtool(["test", "rules", "prom-test.yml"], in: dir)
    #expect(code == 0, "\(output)")
  }
}

extension PrometheusExportTests {
  static func amtool(_ arguments: [String], in dir: TemporaryDirectory) throws -> (Int32, String) {
    try tool(RequiredTool.path("/usr/bin/amtool", package: "prometheus-alertmanager"), arguments, in: dir)
  }

  /// `vigil export alertmanager`: Alertmanager's own checker accepts it, its routes send each
  /// alert where alerts.yaml does, and the inhibit rules come across (hold, which Alertmanager
  /// lacks, said as a comment).
  @Test func amtoolChecksTheExportedAlertmanagerConfig() async throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try await VigilProcess.run([
      "export", "alertmanager", "--rules", "alerts.yaml", "--out", dir.file("am.yml"),
    ])
    #expect(status == 0, "\(err)")
    let (code, output) = try Self.amtool(["check-config", "am.yml"], in: dir)
    #expect(code == 0, "\(output)")
    #expect(output.contains("3 inhibit rules") && output.contains("3 receivers"), "\(output)")
    for (alert, receiver) in [("ProviderAvailabilityTicket", "tickets"), ("HighErrorRate", "stdout")] {
      let (c, routed) = try Self.amtool(
        ["config", "routes", "test", "--config.file=am.yml", "alertname=\(alert)", "provider=openai"], in: dir
      )
      #expect(c == 0 && routed.split(separator: "\n").contains(Substring(receiver)), "\(alert): \(routed)")
    }
    let text = try String(contentsOfFile: dir.file("am.yml"), encoding: .utf8)
    #expect(text.contains("hold 5m has no Alertmanager equivalent"))
    #expect(text.contains("fold has no Alertmanager equivalent"))
  }
}
