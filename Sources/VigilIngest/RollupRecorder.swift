import VigilCore
public import VigilStore

/// Rollups kept in memory, for backtests and rule tests: the importer writes batches here instead
/// of the database, and the evaluator reads windows from here as it would from the store.
public final class RollupRecorder: IngestSink, RollupSource {
  /// Per bucket start, per series.
  public private(set) var buckets: [Int64: [SeriesKey: Rollup]] = [:]
  public private(set) var calls: Int64 = 0
  public private(set) var rejects: [Reject] = []

  public init() {}

  public func checkpoint(fingerprint: String) throws -> Checkpoint? { nil }

  public func write(_ batch: IngestBatch) throws {
    for (key, rollup) in zip(batch.rollupKeys, batch.rollupValues) {
      buckets[key.bucketMs, default: [:]][key.series, default: Rollup()].merge(rollup)
    }
    calls += Int64(batch.calls.count)
    rejects += batch.rejects
  }

  /// Counts one call directly (rule tests build traffic this way).
  public func add(_ record: CallRecord) {
    buckets[RollupKey.bucket(of: record.timestampMs), default: [:]][record.series, default: Rollup()].add(
      record)
    calls += 1
  }

  /// The first and last bucket holding data.
  public var range: (Int64, Int64)? {
    guard let first = buckets.keys.min(), let last = buckets.keys.max() else { return nil }
    return (first, last)
  }

  public func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
    var out: [RollupRow] = []
    for (bucket, series) in buckets where bucket >= fromMs && bucket < toMs {
      for (key, r) in series { out.append(RollupRow(bucketMs: bucket, series: key, rollup: r)) }
    }
    return out
  }

}
