/// One stored rollup: a bucket of one series.
package struct RollupRow: Sendable {
  package var bucketMs: Int64
  package var series: SeriesKey
  package var rollup: Rollup

  package init(bucketMs: Int64, series: SeriesKey, rollup: Rollup) {
    self.bucketMs = bucketMs
    self.series = series
    self.rollup = rollup
  }
}
/// Where the evaluator reads data: rollups per bucket and series.
package protocol RollupSource {
  /// Rollups of the buckets that start in `[fromMs, toMs)`, one row per bucket and series. Latency
  /// histograms are only needed (and decoded) when `latency` is true.
  func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow]

  /// Latency histograms merged per series over `[start, toMs)`, for each of `starts`. A source
  /// can add stored histograms straight into these, without one histogram per bucket between.
  func latencyWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: LatencyHistogram]]
}
extension RollupSource {
  package func latencyWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: LatencyHistogram]] {
    guard let earliest = starts.min() else { return [:] }
    var out: [Int64: [SeriesKey: LatencyHistogram]] = [:]
    for row in try rollupRows(fromMs: earliest, toMs: toMs, latency: true) {
      for start in starts where row.bucketMs >= start {
        out[start, default: [:]][row.series, default: LatencyHistogram()].merge(row.rollup.latency)
      }
    }
    return out
  }

  /// Rollups of the buckets that start in `[fromMs, toMs)`, merged per series.
  package func rollups(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [SeriesKey: Rollup] {
    var out: [SeriesKey: Rollup] = [:]
    for row in try rollupRows(fromMs: fromMs, toMs: toMs, latency: latency) {
      out[row.series, default: Rollup()].merge(row.rollup, latency: latency)
    }
    return out
  }
}
