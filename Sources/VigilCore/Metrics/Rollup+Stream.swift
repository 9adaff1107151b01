/// Streamed calls in a rollup: how many streamed and failed (by class), their time to first
/// token and their latency. Off the hot path: a call that neither streamed nor reported a first
/// token does not come here.
extension Rollup {
  /// Counts a streamed call (or one that reported a first token without saying it streamed);
  /// `latencyBucket` is the latency's ``LatencyHistogram/bucket(of:)``, taken once for both
  /// histograms.
  mutating func addStream(
    streamed: Bool, failed: Bool, classIndex: Int, ttftMs: Double?, latencyMs: Double?, latencyBucket: Int32?
  ) {
    if let ttftMs { ttft.record(ttftMs) }
    guard streamed else { return }
    streams += 1
    if latencyMs != nil { streamLatency.record(bucket: latencyBucket) }
    if failed {
      streamFailures += 1
      streamFailureClasses.add(classIndex)
    }
  }

  /// Adds the stream counts of `other`; its histograms only if `latency`.
  mutating func mergeStreams(_ other: Rollup, latency: Bool) {
    streams.addSaturating(other.streams)
    streamFailures.addSaturating(other.streamFailures)
    if !other.streamFailureClasses.isEmpty { streamFailureClasses.merge(other.streamFailureClasses) }
    if latency {
      ttft.merge(other.ttft)
      streamLatency.merge(other.streamLatency)
    }
  }

  /// Failed streams of one class.
  package func streamFailures(of statusClass: StatusClass) -> Int64 {
    streamFailureClasses.sorted.first { $0.status == statusClass.index }?.count ?? 0
  }

  /// The latency of the attempts that did not stream: all of ``latency`` less ``streamLatency``.
  package var plainLatency: LatencyHistogram { latency.subtracting(streamLatency) }
}

/// The histograms a rollup holds: what a percentile rule reads.
package enum RollupHistogram: String, Sendable, CaseIterable {
  /// Every attempt's latency.
  case latency
  /// Time to first token.
  case ttft
  /// The latency of streamed attempts.
  case streamLatency = "stream_latency"

  /// The histogram of `r`.
  package func of(_ r: Rollup) -> LatencyHistogram {
    switch self {
    case .latency: r.latency
    case .ttft: r.ttft
    case .streamLatency: r.streamLatency
    }
  }

  /// Adds `h` to this histogram of `r`.
  package func merge(_ h: LatencyHistogram, into r: inout Rollup) {
    switch self {
    case .latency: r.latency.merge(h)
    case .ttft: r.ttft.merge(h)
    case .streamLatency: r.streamLatency.merge(h)
    }
  }
}
