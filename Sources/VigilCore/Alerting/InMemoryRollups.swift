/// Rollups kept in memory: the evaluator reads windows from here as it does from the store.
/// Backtests fill it from call logs, rule tests from described traffic.
package final class InMemoryRollups: RollupSource {
  /// Per bucket start, per series.
  package private(set) var buckets: [Int64: [SeriesKey: Rollup]] = [:]
  /// What each write delivered: its source, its calls, and their time range.
  var writes: [(source: String, calls: Int64, firstMs: Int64, lastMs: Int64)] = []

  /// Per series, the buckets that hold requests, in order: built on the first question after a
  /// change, so that a replay's every step finds a young series' first request by binary search.
  var requestBuckets: [SeriesKey: [Int64]]?

  package init() {}

  /// Counts one call.
  package func add(_ record: CallRecord) {
    buckets[RollupKey.bucket(of: record.timestampMs), default: [:]][record.series, default: Rollup()].add(
      record)
    requestBuckets = nil
  }

  /// Adds a rollup of one bucket and series (a batch's).
  package func merge(_ rollup: Rollup, at key: RollupKey) {
    buckets[key.bucketMs, default: [:]][key.series, default: Rollup()].merge(rollup)
    requestBuckets = nil
  }

  package func firstRequests(fromMs: Int64, toMs: Int64) throws -> [SeriesKey: Int64] {
    if requestBuckets == nil {
      var index: [SeriesKey: [Int64]] = [:]
      for (bucket, series) in buckets {
        for (key, r) in series where r.requests > 0 { index[key, default: []].append(bucket) }
      }
      requestBuckets = index.mapValues { $0.sorted() }
    }
    var out: [SeriesKey: Int64] = [:]
    for (series, starts) in requestBuckets ?? [:] {
      var (lo, hi) = (0, starts.count)
      while lo < hi {
        let mid = (lo + hi) / 2
        if starts[mid] < fromMs { lo = mid + 1 } else { hi = mid }
      }
      if lo < starts.count && starts[lo] < toMs { out[series] = starts[lo] }
    }
    return out
  }

  /// Records a write of `calls` calls from `source` between `firstMs` and `lastMs`, for
  /// ``sourceActivity(fromMs:toMs:)``.
  package func noteWrite(source: String, calls: Int64, firstMs: Int64, lastMs: Int64) {
    guard calls > 0 else { return }
    writes.append((source, calls, firstMs, lastMs))
  }

  package func sourceActivity(fromMs: Int64, toMs: Int64) throws -> [SourceActivity] {
    var out: [String: SourceActivity] = [:]
    for w in writes where w.lastMs >= fromMs && w.firstMs < toMs {
      var a = out[w.source] ?? SourceActivity(source: w.source, calls: 0, lastCallMs: .min)
      a.calls.addSaturating(w.calls)
      a.lastCallMs = max(a.lastCallMs, min(w.lastMs, toMs - 1))
      out[w.source] = a
    }
    return Array(out.values)
  }

  /// The first and last bucket holding data.
  package var range: (first: Int64, last: Int64)? {
    guard let first = buckets.keys.min(), let last = buckets.keys.max() else { return nil }
    return (first, last)
  }

  /// The buckets holding data, in order.
  package var bucketStarts: [Int64] { buckets.keys.sorted() }

  package func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
    var out: [RollupRow] = []
    for (bucket, series) in buckets where bucket >= fromMs && bucket < toMs {
      for (key, r) in series { out.append(RollupRow(bucketMs: bucket, series: key, rollup: r)) }
    }
    return out
  }
}
