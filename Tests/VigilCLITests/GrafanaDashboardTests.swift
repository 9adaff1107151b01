import Foundation
import Testing
import VigilCore
import VigilTestPeers
import VigilTestSupport

/// dashboards/: valid Grafana JSON with a data source variable, every query valid PromQL
/// (checked by promtool), every metric one that /metrics serves, and the files in step with
/// their generator.
@Suite(.serialized) struct GrafanaDashboardTests {
  static let files = ["overview", "provider", "latency"]

  static func load(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: "dashboards/\(name).json"))
    return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  static func exprs(_ d: [String: Any]) -> [String] {
    ((d["panels"] as? [[String: Any]]) ?? []).flatMap { p in
      ((p["targets"] as? [[String: Any]]) ?? []).compactMap { $0["expr"] as? String }
    }
  }

  @Test func eachDashboardHasADataSourceVariableAndWellFormedPanels() async throws {
    for name in Self.files {
      let d = try Self.load(name)
      let variables = (d["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
      #expect(
        variables.contains { $0["name"] as? String == "datasource" && $0["type"] as? String == "datasource" })
      let panels = d["panels"] as? [[String: Any]] ?? []
      #expect(panels.count >= 6, "\(name)")
      #expect(Set(panels.compactMap { $0["id"] as? Int }).count == panels.count)
      for p in panels where p["type"] as? String != "row" {
        #expect(
          (p["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}",
          "\(name): \(p["title"] ?? "")")
        #expect(!((p["targets"] as? [Any]) ?? []).isEmpty)
      }
    }
  }

  @Test func everyQueryIsPromQLOverMetricsThatVigilServes() async throws {
    let dir = TemporaryDirectory()
    // What /metrics serves, from a real scrape.
    ServeTests.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir)
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let scrape = try await serve.get("/metrics").body
    _ = serve.terminate()
    var served = Set<String>()
    for line in scrape.split(separator: "\n") where line.hasPrefix("# TYPE ") {
      let parts = line.split(separator: " ")
      served.insert(String(parts[2]))
      if parts[3] == "histogram" {
        for s in ["_bucket", "_sum", "_count"] { served.insert(String(parts[2]) + s) }
      }
    }
    var recording = "groups:\n  - name: dashboards\n    rules:\n"
    var n = 0
    for name in Self.files {
      for expr in Self.exprs(try Self.load(name)) {
        let used = expr.matches(of: /vigil_[a-z_]+/).map { String($0.output) }
        for metric in used { #expect(served.contains(metric), "\(name): \(metric) is not served") }
        let concrete = expr.replacingOccurrences(of: "$__rate_interval", with: "5m")
          .replacingOccurrences(of: "$provider", with: ".*").replacingOccurrences(of: "$model", with: ".*")
          .replacingOccurrences(of: "$instance", with: ".*")
        n += 1
        recording += "      - record: dashboard:query_\(n)\n        expr: \(JSONText.quote(concrete))\n"
      }
    }
    #expect(n > 30)
    LogFile.write(dir.file("queries.yml"), recording)
    let (code, output) = try PrometheusExportTests.promtool(["check", "rules", "queries.yml"], in: dir)
    #expect(code == 0, "\(output)")
  }

  @Test func theCommittedJSONIsWhatTheGeneratorWrites() async throws {
    let dir = TemporaryDirectory()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "scripts/gen_dashboards.py"]
    process.environment = ProcessInfo.processInfo.environment.merging(["OUT": dir.path]) { _, new in new }
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    for name in Self.files {
      let generated = try String(contentsOfFile: dir.file("\(name).json"), encoding: .utf8)
      let committed = try String(contentsOfFile: "dashboards/\(name).json", encoding: .utf8)
      #expect(
        generated == committed,
        "dashboards/\(name).json is out of date: run python3 scripts/gen_dashboards.py")
    }
  }
}

extension GrafanaDashboardTests {
  /// Streamed calls (issue 23): the rate of failed streams and their classes on the overview and
  /// provider dashboards, the time to first token on all three.
  @Test func streamFailuresByClassAndTimeToFirstTokenAreShown() throws {
    for name in Self.files {
      let exprs = Self.exprs(try Self.load(name))
      #expect(
        exprs.contains {
          $0.contains("histogram_quantile(0.95") && $0.contains("vigil_time_to_first_token_seconds_bucket")
        },
        "\(name)")
      guard name != "latency" else { continue }
      #expect(exprs.contains { $0.contains("sum by (class) (rate(vigil_stream_failures_total") }, "\(name)")
      #expect(exprs.contains { $0.contains("sum by (outcome) (rate(vigil_streams_total") }, "\(name)")
    }
  }
}
