/// Rollups kept in memory: the evaluator reads windows from here as it does from the store.
/// Backtests fill it from call logs, rule tests from described traffic.
public final class InMemoryRollups: RollupSource {
  /// Per bucket start, per series.
  public private(set) var buckets: [Int64: [SeriesKey: Rollup]] = [:]

  public init() {}

  /// Counts one call.
  public func add(_ record: CallRecord) {
    buckets[RollupKey.bucket(of: record.timestampMs), default: [:]][record.series, default: Rollup()].add(
      record)
  }

  /// Adds a rollup of one bucket and series (a batch's).
  public func merge(_ rollup: Rollup, at key: RollupKey) {
    buckets[key.bucketMs, default: [:]][key.series, default: Rollup()].merge(rollup)
  }

  /// The first and last bucket holding data.
  public var range: (first: Int64, last: Int64)? {
    guard let first = buckets.keys.min(), let last = buckets.keys.max() else { return nil }
    return (first, last)
  }

  /// The buckets holding data, in order.
  public var bucketStarts: [Int64] { buckets.keys.sorted() }

  public func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
    var out: [RollupRow] = []
    for (bucket, series) in buckets where bucket >= fromMs && bucket < toMs {
      for (key, r) in series { out.append(RollupRow(bucketMs: bucket, series: key, rollup: r)) }
    }
    return out
  }
}
