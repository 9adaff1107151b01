import VigilCore

/// The encoded columns of a rollup row (its latency, TTFT and streamed-latency histograms, its
/// status codes and failed streams' classes), as the store binds them.
///
/// Encoding them was a third of the writing thread's work outside SQLite. A bulk import's parser
/// threads encode a batch's rollups ahead (``IngestBatch/encodeRollups()``); the store uses them for the buckets it does
/// not hold yet (most of a batch's), and merges and encodes again only the bucket or two a batch
/// shares with the one before.
struct RollupBlobs: Sendable {
  var latency: [UInt8]
  var codes: [UInt8]
  /// NULL where no stream failed, or nothing streamed.
  var failureClasses: [UInt8]?
  var ttft: [UInt8]?
  var streamLatency: [UInt8]?

  init(_ r: Rollup) {
    latency = r.latency.encoded()
    codes = r.codes.encoded()
    failureClasses = r.streamFailureClasses.isEmpty ? nil : r.streamFailureClasses.encoded()
    ttft = r.ttft.count == 0 ? nil : r.ttft.encoded()
    streamLatency = r.streamLatency.count == 0 ? nil : r.streamLatency.encoded()
  }
}

extension Store {
  /// Binds the columns of ``rollupColumns`` from `i`: `r`'s counts and `blobs`, which must be
  /// `RollupBlobs(r)`.
  static func bindRollup(_ r: Rollup, to s: Statement, from i: Int32, blobs: RollupBlobs) {
    var k = i
    for v in [r.attempts, r.requests, r.errors, r.status429, r.status5xx, r.auth] {
      s.bind(k, v)
      k += 1
    }
    for c in 0..<6 { s.bind(k + Int32(c), r.classes[c]) }
    k += 6
    s.bind(k, r.exhausted)
    k += 1
    s.bind(k, r.latencySumMs)
    s.bind(k + 1, r.promptTokens)
    s.bind(k + 2, r.completionTokens)
    s.bind(k + 3, r.failedTokens)
    s.bind(k + 4, blob: blobs.latency)
    s.bind(k + 5, r.retryTokens)
    s.bind(k + 6, blob: blobs.codes)
    s.bind(k + 7, r.unavailable)
    for c in 6..<r.classes.count { s.bind(k + 8 + Int32(c - 6), r.classes[c]) }
    // Schema 10: stream counts, and the histograms NULL where nothing streamed.
    s.bind(k + 11, r.streams)
    s.bind(k + 12, r.streamFailures)
    for (n, blob) in [blobs.failureClasses, blobs.ttft, blobs.streamLatency].enumerated() {
      if let blob { s.bind(k + 13 + Int32(n), blob: blob) } else { s.bind(k + 13 + Int32(n), nil as Int64?) }
    }
    s.bind(k + 16, r.retryPending)
    s.bind(k + 17, r.retries)
  }
}
