package import VigilCore
package import VigilStore

/// Where backtests import call logs: into rollups in memory instead of the database.
package final class RollupRecorder: IngestSink {
  package let rollups = InMemoryRollups()
  package private(set) var calls: Int64 = 0
  package private(set) var rejects: [Reject] = []

  package init() {}

  package func checkpoint(fingerprint: String) throws -> Checkpoint? { nil }

  package func write(_ batch: IngestBatch) throws {
    for (key, rollup) in zip(batch.rollupKeys, batch.rollupValues) { rollups.merge(rollup, at: key) }
    if !batch.calls.isEmpty {
      rollups.noteWrite(
        source: batch.source, calls: Int64(batch.calls.count), firstMs: batch.calls.minTimestampMs,
        lastMs: batch.calls.maxTimestampMs)
    }
    calls += Int64(batch.calls.count)
    rejects += batch.rejects
  }
}
