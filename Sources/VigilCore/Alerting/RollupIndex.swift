/// In-memory rollups in bucket order, with running request counts per series: what a replay's
/// every step asks of ``InMemoryRollups`` (a few minutes of rows, SLO windows of up to days, the
/// buckets with rate-limit headers) answered by binary search. Built once after the last change;
/// before it, every step of a week's backtest passed over every bucket of the week.
struct RollupIndex {
  /// Bucket starts, ascending; the rows of `starts[i]` are `rows[rowStart[i]..<rowStart[i + 1]]`.
  let starts: [Int64]
  let rows: [RollupRow]
  let rowStart: [Int]
  /// The rows with rate-limit fits (``RollupRow/rateLimits(of:)``), in bucket order.
  let rateRows: [RollupRow]
  let series: [SeriesKey: Series]

  /// One series: the buckets it has a row in, request counts summed up to each (one more entry:
  /// the sum before the first), and the buckets that hold requests.
  struct Series {
    var buckets: [Int64] = []
    var runningCounts: [RequestCounts] = [RequestCounts()]
    var requestBuckets: [Int64] = []
  }

  init(_ buckets: [Int64: [SeriesKey: Rollup]]) {
    var starts: [Int64] = []
    var rows: [RollupRow] = []
    var rowStart: [Int] = []
    var rateRows: [RollupRow] = []
    // Series by position while building, each grown in place (a copy out of a dictionary and
    // back would copy its arrays at every bucket).
    var positions: [SeriesKey: Int] = [:]
    var list: [Series] = []
    starts.reserveCapacity(buckets.count)
    for bucket in buckets.keys.sorted() {
      starts.append(bucket)
      rowStart.append(rows.count)
      for (key, r) in buckets[bucket]! {
        let row = RollupRow(bucketMs: bucket, series: key, rollup: r)
        rows.append(row)
        if let rate = RollupRow.rateLimits(of: row) { rateRows.append(rate) }
        let i = positions[key] ?? list.count
        if i == list.count {
          positions[key] = i
          list.append(Series())
        }
        var running = list[i].runningCounts[list[i].runningCounts.count - 1]
        running.add(r)
        list[i].buckets.append(bucket)
        list[i].runningCounts.append(running)
        if r.requests > 0 { list[i].requestBuckets.append(bucket) }
      }
    }
    rowStart.append(rows.count)
    self.starts = starts
    self.rows = rows
    self.rowStart = rowStart
    self.rateRows = rateRows
    self.series = positions.mapValues { list[$0] }
  }

  /// The first index of `values` (ascending) whose value is at least `v`.
  static func lowerBound(_ values: [Int64], _ v: Int64) -> Int {
    var (lo, hi) = (0, values.count)
    while lo < hi {
      let mid = (lo + hi) / 2
      if values[mid] < v { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  func rollupRows(fromMs: Int64, toMs: Int64) -> [RollupRow] {
    let lo = Self.lowerBound(starts, fromMs)
    let hi = Self.lowerBound(starts, toMs)
    guard lo < hi else { return [] }
    return Array(rows[rowStart[lo]..<rowStart[hi]])
  }

  func rateLimitRows(fromMs: Int64, toMs: Int64) -> [RollupRow] {
    var (lo, hi) = (0, rateRows.count)
    while lo < hi {
      let mid = (lo + hi) / 2
      if rateRows[mid].bucketMs < fromMs { lo = mid + 1 } else { hi = mid }
    }
    var out: [RollupRow] = []
    var i = lo
    while i < rateRows.count && rateRows[i].bucketMs < toMs {
      out.append(rateRows[i])
      i += 1
    }
    return out
  }

  /// Per window start, the counts of each series with a row in `[start, toMs)`: the difference of
  /// two running sums.
  func requestCounts(starts windowStarts: [Int64], toMs: Int64) -> [Int64: [SeriesKey: RequestCounts]] {
    var out: [Int64: [SeriesKey: RequestCounts]] = [:]
    for start in Set(windowStarts) where start < toMs {
      var window: [SeriesKey: RequestCounts] = [:]
      for (key, s) in series {
        let lo = Self.lowerBound(s.buckets, start)
        let hi = Self.lowerBound(s.buckets, toMs)
        guard lo < hi else { continue }
        var c = s.runningCounts[hi]
        c.subtract(s.runningCounts[lo])
        window[key] = c
      }
      out[start] = window
    }
    return out
  }

  func requestActivity(fromMs: Int64, toMs: Int64) -> [SeriesKey: RequestActivity] {
    var out: [SeriesKey: RequestActivity] = [:]
    for (key, s) in series {
      let lo = Self.lowerBound(s.buckets, fromMs)
      let hi = Self.lowerBound(s.buckets, toMs)
      let requests = s.runningCounts[hi].requests - s.runningCounts[lo].requests
      guard lo < hi, requests > 0 else { continue }
      let last = Self.lowerBound(s.requestBuckets, toMs) - 1
      out[key] = RequestActivity(
        requests: requests, lastRequestEndMs: s.requestBuckets[last] + rollupBucketMs)
    }
    return out
  }

  func firstRequests(fromMs: Int64, toMs: Int64) -> [SeriesKey: Int64] {
    var out: [SeriesKey: Int64] = [:]
    for (key, s) in series {
      let i = Self.lowerBound(s.requestBuckets, fromMs)
      if i < s.requestBuckets.count && s.requestBuckets[i] < toMs { out[key] = s.requestBuckets[i] }
    }
    return out
  }
}
