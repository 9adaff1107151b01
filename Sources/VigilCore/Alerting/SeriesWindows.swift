/// The rollups of one series over a window, summed once for every rule that reads the window:
/// a dozen rules over the same two or five minutes each used to merge every row of the window
/// (thirty buckets for each series) into their groups; now each merges one sum per series.
package struct SeriesWindow: Sendable {
  /// The rollups of the window (no histograms: percentiles read theirs apart).
  package var sum = Rollup()
  /// The end of the last bucket with calls (`.min`: none).
  package var lastCall = Int64.min
  /// Failures of the last ``RequestCounts/retryWaitMs`` of the window (before `to`) still waiting
  /// for their retry.
  package var pending: Int64 = 0

  package init() {}

  /// Adds the rollup of the bucket that starts at `bucketMs`, of a window that ends at `to`.
  package mutating func add(_ rollup: Rollup, bucketMs: Int64, to: Int64) {
    sum.merge(rollup, latency: false)
    if rollup.attempts > 0 { lastCall = max(lastCall, bucketMs + rollupBucketMs) }
    if bucketMs >= to - RequestCounts.retryWaitMs { pending.addSaturating(rollup.retryPending) }
  }
}

extension SeriesWindow {
  /// Per series, the window sums of `[start, to)` for each of `starts`, from `rows` (which end at
  /// `to` and reach back to the earliest start).
  package static func sums(of rows: [RollupRow], starts: Set<Int64>, to: Int64) -> [Int64: [SeriesKey:
    SeriesWindow]]
  {
    var out: [Int64: [SeriesKey: SeriesWindow]] = [:]
    for row in rows {
      for start in starts where row.bucketMs >= start {
        out[start, default: [:]][row.series, default: SeriesWindow()].add(
          row.rollup, bucketMs: row.bucketMs, to: to)
      }
    }
    return out
  }
}

extension RollupSource {
  package func seriesWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: SeriesWindow]] {
    let starts = Set(starts).filter { $0 < toMs }
    guard let earliest = starts.min() else { return [:] }
    return SeriesWindow.sums(
      of: try rollupRows(fromMs: earliest, toMs: toMs, latency: false), starts: starts, to: toMs)
  }
}
