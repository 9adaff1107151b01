/// Rollups kept in memory: the evaluator reads windows from here as it does from the store.
/// Backtests fill it from call logs, rule tests from described traffic.
package final class InMemoryRollups: RollupSource {
  /// Per bucket start, per series.
  package private(set) var buckets: [Int64: [SeriesKey: Rollup]] = [:]

  package init() {}

  /// Counts one call.
  package func add(_ record: CallRecord) {
    buckets[RollupKey.bucket(of: record.timestampMs), default: [:]][record.series, default: Rollup()].add(
      record)
  }

  /// Adds a rollup of one bucket and series (a batch's).
  package func merge(_ rollup: Rollup, at key: RollupKey) {
    buckets[key.bucketMs, default: [:]][key.series, default: Rollup()].merge(rollup)
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
