import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilReport

/// A report over a period whose raw calls retention took says so where it counts from raw calls
/// (error codes, sources), rather than silently showing fewer of them.
@Suite struct RetentionNoteTests {
  static let t0 = ReportTests.t0

  /// Two half-hours written apart, with 502s in each; the first half's raw calls pruned.
  static func store(_ dir: TemporaryDirectory, pruneFirstHalf: Bool) throws -> Store {
    let store = try Store(path: dir.file("v.db"))
    for half in 0..<2 {
      var batch = IngestBatch(source: "/var/log/app.jsonl")
      for s in stride(from: half * 1800, to: (half + 1) * 1800, by: 2) {
        var r = CallRecord(
          timestampMs: t0 + Int64(s) * 1000, status: s % 20 == 0 ? 502 : 200, provider: "openai",
          model: "gpt-4o")
        r.errorCode = s % 20 == 0 ? "bad_gateway" : nil
        try batch.add(r)
      }
      try store.write(batch)
    }
    if pruneFirstHalf { _ = try store.prune(rawBeforeMs: t0 + 1_800_000, rollupsBeforeMs: 0) }
    return store
  }

  @Test func theReportSaysFromWhenRawCallsRemain() throws {
    let dir = TemporaryDirectory()
    let pruned = try Report.build(
      store: try Self.store(dir, pruneFirstHalf: true), rules: RuleSet(), fromMs: Self.t0,
      toMs: Self.t0 + 3_600_000, nowMs: Self.t0 + 3_600_000)
    // The totals still cover the hour (rollups); the codes and sources only its second half.
    #expect(pruned.total.attempts == 1800)
    #expect(pruned.rawCallsFromMs == Self.t0 + 1_800_000)
    #expect(pruned.errorCodes.map(\.count) == [90])
    let note = "Raw calls before 2026-11-25T10:30:00Z were deleted by retention"
    #expect(pruned.rawCallsNote?.hasPrefix(note) == true, "\(pruned.rawCallsNote ?? "nil")")
    for format in [ReportFormat.text, .markdown] {
      let text = pruned.render(format)
      #expect(text.components(separatedBy: note).count == 3, "under error codes and sources: \(text)")
    }
    #expect(pruned.html().contains("<p class=\"note\">\(note)"))
    #expect(pruned.render(.json).contains(#""raw_calls_from":"2026-11-25T10:30:00Z""#))

    // Every raw call there: no note.
    let whole = try Report.build(
      store: try Self.store(TemporaryDirectory(), pruneFirstHalf: false), rules: RuleSet(), fromMs: Self.t0,
      toMs: Self.t0 + 3_600_000, nowMs: Self.t0 + 3_600_000)
    #expect(whole.rawCallsFromMs == nil && whole.errorCodes.map(\.count) == [180])
    #expect(!whole.render(.text).contains("deleted by retention"))
  }
}
