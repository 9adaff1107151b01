public import VigilCore
public import VigilStore

/// Where backtests import call logs: into rollups in memory instead of the database.
public final class RollupRecorder: IngestSink {
  public let rollups = InMemoryRollups()
  public private(set) var calls: Int64 = 0
  public private(set) var rejects: [Reject] = []

  public init() {}

  public func checkpoint(fingerprint: String) throws -> Checkpoint? { nil }

  public func write(_ batch: IngestBatch) throws {
    for (key, rollup) in zip(batch.rollupKeys, batch.rollupValues) { rollups.merge(rollup, at: key) }
    calls += Int64(batch.calls.count)
    rejects += batch.rejects
  }
}
