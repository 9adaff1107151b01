package import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

/// A histogram with `/metrics`'s fixed bounds (``CallMetrics/latencyBounds``, then +Inf), counts
/// per bucket (not cumulative), with its sum and count: what a rollup's logarithmic histogram
/// becomes on the wire (classic buckets, which every Prometheus-compatible store reads).
package struct ClassicBuckets: Sendable, Equatable, Codable {
  package var counts = [Double](repeating: 0, count: CallMetrics.latencyBounds.count + 1)
  package var sumSeconds: Double = 0
  package var count: Double = 0

  package init() {}

  static let gamma = (1 + LatencyHistogram.relativeAccuracy) / (1 - LatencyHistogram.relativeAccuracy)

  /// Adds a rollup's histogram (values in ms) and the sum of its values (when the rollup keeps
  /// one; else the sum of the representative values). Each of its buckets goes to the classic
  /// bucket of its representative value (within 0.5% of each value in it).
  package mutating func add(_ h: LatencyHistogram, sumMs: Double?) {
    guard h.count > 0 else { return }
    counts[0] += Double(h.zeroCount)
    var estimatedMs: Double = 0
    for (index, n) in h.buckets {
      let ms = 2 * pow(Self.gamma, Double(index)) / (Self.gamma + 1)
      estimatedMs += ms * Double(n)
      var i = 0
      while i < CallMetrics.latencyBounds.count && ms / 1000 > CallMetrics.latencyBounds[i] { i += 1 }
      counts[i] += Double(n)
    }
    sumSeconds += (sumMs ?? estimatedMs) / 1000
    count += Double(h.count)
  }

  mutating func add(_ other: ClassicBuckets, sign: Double) {
    for i in counts.indices { counts[i] += sign * other.counts[i] }
    sumSeconds += sign * other.sumSeconds
    count += sign * other.count
  }
}
