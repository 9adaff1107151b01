/// The rows of an evaluation's windows summed per series, once per window start: a dozen rules
/// over the same two or five minutes each used to merge every row of the window (thirty buckets
/// for each series) into their groups; now each merges one sum per series.
struct SeriesWindows {
  struct Window {
    var sum = Rollup()
    var seen = false
    /// The end of the last bucket with calls.
    var lastCall = Int64.min
    /// Failures of the last ``RequestCounts/retryWaitMs`` still waiting for their retry.
    var pending: Int64 = 0
  }
  private var byStart: [Int64: [Window]] = [:]

  /// Per series index, the sums of the rows from `from` on (`rows` end at `to`; the series
  /// index of `rows[i]` is `seriesOfRow[i]`).
  mutating func of(
    _ from: Int64, rows: [RollupRow], seriesOfRow: [Int], series: Int, to: Int64
  ) -> [Window] {
    if let known = byStart[from] { return known }
    var w = [Window](repeating: Window(), count: series)
    for i in rows.indices where rows[i].bucketMs >= from {
      let s = seriesOfRow[i]
      w[s].sum.merge(rows[i].rollup, latency: false)
      w[s].seen = true
      if rows[i].rollup.attempts > 0 { w[s].lastCall = max(w[s].lastCall, rows[i].bucketMs + rollupBucketMs) }
      if rows[i].bucketMs >= to - RequestCounts.retryWaitMs {
        w[s].pending.addSaturating(rows[i].rollup.retryPending)
      }
    }
    byStart[from] = w
    return w
  }
}
