import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// A streamed call's fields are kept in `detail` and shown by `call_log` (schema 9).
@Suite struct StreamStoreTests {
  @Test func theStreamFieldsComeBackThroughTheCallLogView() throws {
    let failed = try CallLogParser().parse(
      #"{"ts":1,"status":200,"provider":"anthropic","stream":true,"ttft_ms":412.5,"stream_outcome":"error_event","stream_error_type":"overloaded_error","error_after_ms":1830,"output_tokens_partial":57,"max_chunk_gap_ms":950}"#
    )
    var plain = CallRecord(timestampMs: 2_000, status: 200, provider: "openai", model: "gpt-4o")
    plain.stream = false
    for encodeFirst in [false, true] {
      let dir = TemporaryDirectory()
      let store = try Store(path: dir.file("v.db"))
      var batch = IngestBatch(source: "app.log")
      try batch.add(failed)
      try batch.add(plain)
      if encodeFirst { batch.encodeDetails() }
      try store.write(batch)
      let s = try store.connection.prepare(
        """
        SELECT stream, ttft_ms, stream_outcome, stream_error_type, error_after_ms, output_tokens_partial,
          max_chunk_gap_ms FROM call_log ORDER BY id
        """)
      #expect(try s.step())
      #expect(s.int64(0) == 1 && s.double(1) == 412.5 && s.text(2) == "error_event")
      #expect(
        s.text(3) == "overloaded_error" && s.double(4) == 1830 && s.int64(5) == 57 && s.double(6) == 950)
      #expect(try s.step())
      #expect(s.int64(0) == 0 && s.isNull(1) && s.isNull(2) && s.isNull(3) && s.isNull(5))
      // The failure is counted as the 529 it would have been without streaming.
      let row = try #require(
        try store.rollupRows(fromMs: 0, toMs: 10_000, latency: false).first {
          $0.series.provider == "anthropic"
        })
      #expect(row.rollup.errors == 1 && row.rollup.unavailable == 1 && row.rollup.count(of: .capacity) == 1)
    }
  }
}
