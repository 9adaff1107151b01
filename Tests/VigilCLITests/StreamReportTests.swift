import Foundation
import Testing
import VigilTestPeers
import VigilTestSupport

/// `vigil report` on generated streamed traffic (`scripts/gen_calls.py --stream`): the time to
/// first token it prints is the generated data's within 1% (issue 23), and the failed streams are
/// shown by class and by type, in text, JSON and HTML.
@Suite(.serialized) struct StreamReportTests {
  /// The exact percentile `q` of `values` (the rank the histogram reports: ceil(q·n)).
  static func percentile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.sorted()
    return sorted[max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
  }

  @Test func theReportsTimeToFirstTokenMatchesTheGeneratedDataWithinOnePercent() async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("calls.jsonl")
    let (code, output) = try PythonPeer.run([
      "python3", "scripts/gen_calls.py", "--lines", "20000", "--stream", "0.6", "--rate", "20", "--out", log,
      "--start", "2026-11-20T00:00:00Z",
    ])
    #expect(code == 0, "\(output)")
    var ttft: [Double] = []
    var failedTypes: [String: Int] = [:]
    for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
      let r = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      if let v = r["ttft_ms"] as? Double { ttft.append(v) }
      if let outcome = r["stream_outcome"] as? String, outcome != "completed" {
        failedTypes["\(outcome) \(r["stream_error_type"] as? String ?? "-")", default: 0] += 1
      }
    }
    #expect(ttft.count > 10_000)
    let db = ["--db", dir.file("v.db")]
    var (status, out, err) = try await VigilProcess.run(["ingest"] + db + ["--no-progress", log])
    #expect(status == 0, "\(err)")
    LogFile.write(dir.file("alerts.yaml"), "version: 1\nrules: []\n")
    let period = [
      "--rules", dir.file("alerts.yaml"), "--from", "2026-11-20T00:00:00Z", "--to", "2026-11-20T02:00:00Z",
    ]
    (status, out, err) = try await VigilProcess.run(["report"] + db + period + ["--format", "json"])
    #expect(status == 0, "\(err)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    let streams = json["streams"] as? [String: Any] ?? [:]
    let all = try #require(
      (streams["models"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "all" })
    for q in [0.5, 0.95, 0.99] {
      let exact = Self.percentile(ttft, q)
      let reported = all["ttft_p\(Int(q * 100))"] as? Double ?? 0
      #expect(abs(reported - exact) / exact < 0.01, "p\(q): \(reported) vs \(exact)")
    }
    // The failed streams by type: each generated outcome and type, counted exactly.
    var stored: [String: Int] = [:]
    for row in streams["failures_by_type"] as? [[String: Any]] ?? [] {
      let type = row["type"] as? String ?? ""
      stored["\(row["outcome"] as? String ?? "") \(type.isEmpty ? "-" : type)", default: 0] +=
        row["count"] as? Int ?? 0
    }
    #expect(stored == failedTypes && !stored.isEmpty, "\(stored) vs \(failedTypes)")
    #expect(all["failed"] as? Int == failedTypes.values.reduce(0, +))
    // Text and HTML print the same P95, in whole milliseconds, within 1% of the data's.
    let p95 = Self.percentile(ttft, 0.95)
    (status, out, err) = try await VigilProcess.run(["report"] + db + period)
    #expect(
      status == 0 && out.contains("STREAMS: FAILURES AFTER THE 200, TIME TO FIRST TOKEN"), "\(out)\(err)")
    let section = out.components(separatedBy: "STREAMS: FAILURES").last ?? ""
    let row = try #require(section.split(separator: "\n").first { $0.hasPrefix("all ") }, "\(out)")
    let ms = row.matches(of: /(\d+) ms/).map { Double($0.output.1) ?? 0 }
    #expect(ms.count == 3 && abs(ms[1] - p95) / p95 < 0.01, "\(row) vs \(p95)")
    #expect(out.contains("error_event") && out.contains("overloaded_error") && out.contains("truncated"))
    (status, out, err) = try await VigilProcess.run(["report"] + db + period + ["--format", "html"])
    #expect(status == 0 && out.contains(#"<table id="stream-metrics">"#), "\(err)")
    #expect(out.contains(#"<table id="stream-types">"#) && out.contains("<td>\(Int(ms[1])) ms</td>"))
  }
}
