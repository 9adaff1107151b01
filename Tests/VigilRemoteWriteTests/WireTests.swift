import SwiftProtobuf
import Testing
import VigilCore

@testable import VigilRemoteWrite

/// What goes on the wire: snappy's block format, the WriteRequest, the receiver's replies.
@Suite struct WireTests {
  @Test func snappyRoundTripsAndRefusesBadInput() {
    let text = [UInt8](String(repeating: "vigil_attempts_total{provider=\"openai\"} ", count: 200).utf8)
    let packed = Snappy.compress(text)
    #expect(packed.count < text.count / 4)
    #expect(Snappy.decompress(packed, maxBytes: 1 << 20) == text)
    // Larger than allowed: refused from the header, before any memory is taken.
    #expect(Snappy.decompress(packed, maxBytes: text.count - 1) == nil)
    #expect(Snappy.decompress([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2], maxBytes: 1 << 20) == nil)
    #expect(Snappy.decompress(Array(packed.prefix(packed.count / 2)), maxBytes: 1 << 20) == nil)
    #expect(Snappy.decompress([], maxBytes: 10) == nil)
  }

  @Test func retryAfterIsSecondsOrAnHTTPDateWithinBounds() {
    let now: Int64 = 1_795_600_800_000  // 2026-11-25T10:00:00Z
    #expect(RemoteWriteReply.parseRetryAfter("120", nowMs: now) == 120_000)
    #expect(RemoteWriteReply.parseRetryAfter(" 5 ", nowMs: now) == 5000)
    #expect(RemoteWriteReply.parseRetryAfter("0", nowMs: now) == 0)
    // Beyond the cap, however many digits: the cap.
    #expect(RemoteWriteReply.parseRetryAfter("86400", nowMs: now) == RemoteWriteReply.maxRetryAfterMs)
    #expect(
      RemoteWriteReply.parseRetryAfter("99999999999999999999999", nowMs: now)
        == RemoteWriteReply.maxRetryAfterMs)
    #expect(RemoteWriteReply.parseRetryAfter("Wed, 25 Nov 2026 10:00:30 GMT", nowMs: now) == 30_000)
    // A date in the past: at once.
    #expect(RemoteWriteReply.parseRetryAfter("Wed, 25 Nov 2026 09:00:00 GMT", nowMs: now) == 0)
    for bad in [
      "", "-1", "1.5", "soon", "Wed, 32 Nov 2026 10:00:30 GMT", "Wed, 25 Nov 2026 25:00:30 GMT",
      String(repeating: "1", count: 65), "Wed, 25 Foo 2026 10:00:30 GMT",
    ] {
      #expect(RemoteWriteReply.parseRetryAfter(bad, nowMs: now) == nil, "\(bad)")
    }
  }

  @Test func repliesAreClassified() {
    let none: [UInt8] = []
    #expect(RemoteWriteReply.classify(status: 204, retryAfter: nil, body: none, nowMs: 0) == .accepted)
    #expect(
      RemoteWriteReply.classify(status: 503, retryAfter: nil, body: none, nowMs: 0) == .retry(afterMs: nil))
    #expect(
      RemoteWriteReply.classify(status: 429, retryAfter: "7", body: none, nowMs: 0) == .retry(afterMs: 7000))
    #expect(
      RemoteWriteReply.classify(status: 400, retryAfter: nil, body: Array("bad".utf8), nowMs: 0) == .refused)
    // Prometheus 2.42's words for samples before its head block.
    #expect(
      RemoteWriteReply.classify(status: 400, retryAfter: nil, body: Array("out of bounds".utf8), nowMs: 0)
        == .tooOld)
    #expect(RemoteWriteReply.classify(status: 302, retryAfter: nil, body: none, nowMs: 0) == .refused)
  }

  @Test func aRequestHoldsEachSeriesOnceWithSortedLabelsAndSamplesInOrder() throws {
    var totals = RemoteWriteTotals()
    var r = Rollup()
    r.add(CallRecord(timestampMs: 0, status: 500, latencyMs: 1200, promptTokens: 10))
    let key = SeriesKey(provider: "openai", model: "gpt-4o")
    totals.add(RollupRow(bucketMs: 0, series: key, rollup: r))
    var b = WriteRequestBuilder(externalLabels: [("instance", "a")])
    b.add(totals, atMs: 15_000)
    b.add(totals, atMs: 30_000)
    let decoded = try Prometheus_WriteRequest(
      serializedBytes: try #require(Snappy.decompress(try b.body(), maxBytes: 1 << 20)))
    #expect(decoded.timeseries.count * 2 == b.sampleCount)
    for s in decoded.timeseries {
      #expect(s.labels.map(\.name) == s.labels.map(\.name).sorted())
      #expect(s.samples.map(\.timestamp) == [15_000, 30_000])
      // Empty dimensions are left out; the external label is on every series.
      #expect(!s.labels.contains { $0.value.isEmpty })
      #expect(s.labels.contains { $0.name == "instance" && $0.value == "a" })
    }
    let attempts = decoded.timeseries.first { $0.labels.contains { $0.value == "vigil_attempts_total" } }
    #expect(
      attempts?.labels.map { "\($0.name)=\($0.value)" } == [
        "__name__=vigil_attempts_total", "class=server", "code=500", "instance=a", "model=gpt-4o",
        "provider=openai",
      ])
    #expect(attempts?.samples.first?.value == 1)
    let inf = decoded.timeseries.first {
      $0.labels.contains { $0.value == "vigil_attempt_latency_seconds_bucket" }
        && $0.labels.contains { $0.name == "le" && $0.value == "+Inf" }
    }
    #expect(inf?.samples.first?.value == 1)
    let le1 = decoded.timeseries.first {
      $0.labels.contains { $0.value == "vigil_attempt_latency_seconds_bucket" }
        && $0.labels.contains { $0.name == "le" && $0.value == "1" }
    }
    #expect(le1?.samples.first?.value == 0)
  }
}
