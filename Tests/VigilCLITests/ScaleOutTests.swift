import Foundation
import Testing
import VigilSync
import VigilTestSupport

/// Scaling out by remote write, end to end with real engines (scripts/scale_out.py, which users run
/// as scripts/scale-out): two real `vigil serve` each tail half of one provider's traffic and push
/// to a central store that evaluates `vigil export prometheus-rules` and routes to a real
/// Alertmanager. The incident crosses the threshold only in the sum: one notification for the
/// provider, one resolve, neither Vigil firing alone, no hole in the central series (with
/// Prometheus, through a 15 s outage of it mid-incident), no sample dropped.
@Suite(.serialized) struct ScaleOutTests {
  static func run(_ engine: String) async throws -> [String: Any] {
    _ = try RequiredTool.path("/usr/bin/prometheus-alertmanager", package: "prometheus-alertmanager")
    if engine == "prometheus" {
      _ = try RequiredTool.path("/usr/bin/prometheus", package: "prometheus")
    } else {
      _ = try RequiredTool.path("/usr/bin/victoria-metrics", package: "victoria-metrics")
    }
    let dir = TemporaryDirectory()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "scripts/scale_out.py"]
    process.environment = ProcessInfo.processInfo.environment.merging([
      "VIGIL": VigilProcess.executable, "ENGINES": engine,
    ]) { _, new in new }
    let out = dir.file("out.json")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    try process.run()
    // Waited for on a thread of its own: a minute of this on one of the two threads Swift
    // concurrency shares among all tests starved the in-process daemons of the tests beside it.
    try await WorkerThread.run { process.waitUntilExit() }
    let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    let summary = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    #expect(process.terminationStatus == 0, "\(text)")
    return summary
  }

  @Test func prometheusAndAlertmanagerSeeTheSumFireOnceResolveOnceThroughAnOutage() async throws {
    let s = try await Self.run("prometheus")
    #expect(s["ok"] as? Bool == true, "\(s)")
    #expect((s["checks"] as? [String: Bool])?.count == 10, "\(s)")
    #expect(s["outage_s"] is [Double], "the receiver went down mid-incident: \(s)")
  }

  @Test func victoriaMetricsAndVmalertSeeTheSumFireOnceResolveOnce() async throws {
    let s = try await Self.run("victoria")
    #expect(s["ok"] as? Bool == true, "\(s)")
    #expect((s["checks"] as? [String: Bool])?.count == 10, "\(s)")
  }
}
