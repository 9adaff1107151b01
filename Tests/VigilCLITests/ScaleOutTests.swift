import Foundation
import Testing
import VigilSync
import VigilTestSupport

/// Scaling out by remote write, end to end with real engines (scripts/scale_out.py, which users run
/// as scripts/scale-out): two real `vigil serve` each tail half of one provider's traffic and push
/// to a central store that evaluates `vigil export prometheus-rules` and routes to a real
/// Alertmanager. The incident crosses the threshold only in the sum: one notification for the
/// provider, one resolve, neither Vigil firing alone, no hole in the central series, no sample
/// dropped. With Prometheus, the receiver is down for 5 minutes mid-incident: beside the same
/// scenario without the outage, run at the same time, the alert's timeline is the same.
/// The two tests run side by side (the outage's takes about 7 minutes, on a thread of its own).
@Suite struct ScaleOutTests {
  static func run(_ engine: String, outage: Int = 0) async throws -> [String: Any] {
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
      "VIGIL": VigilProcess.executable, "ENGINES": engine, "OUTAGE": "\(outage)",
    ]) { _, new in new }
    let out = dir.file("out.json")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    try process.run()
    // Waited for on a thread of its own: minutes of this on one of the two threads Swift
    // concurrency shares among all tests starved the in-process daemons of the tests beside it.
    try await WorkerThread.run { process.waitUntilExit() }
    let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    let summary = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    #expect(process.terminationStatus == 0, "\(text)")
    return summary
  }

  @Test func prometheusAndAlertmanagerSeeTheSumFireOnceResolveOnceAsWithoutAFiveMinuteOutage()
    async throws
  {
    let s = try await Self.run("prometheus", outage: 300)
    #expect(s["ok"] as? Bool == true, "\(s)")
    // The scenario's checks, no hole across the outage (count_over_time at the 1 s step) for each
    // host, and the comparison with the run without it: fire and resolve times within 3 s.
    #expect((s["checks"] as? [String: Bool])?.count == 16, "\(s)")
    let outage = try #require(s["outage_s"] as? [Double], "the receiver went down mid-incident: \(s)")
    #expect(outage.count == 2 && outage[1] - outage[0] >= 300, "\(s)")
    let timeline = try #require(s["timeline"] as? [String: Double], "\(s)")
    #expect(timeline["resolved_s"].map { $0 > outage[1] } == true, "resolved after the outage: \(s)")
  }

  @Test func victoriaMetricsAndVmalertSeeTheSumFireOnceResolveOnce() async throws {
    let s = try await Self.run("victoria")
    #expect(s["ok"] as? Bool == true, "\(s)")
    #expect((s["checks"] as? [String: Bool])?.count == 10, "\(s)")
  }
}
