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
    noteWrites(batch)
    calls += Int64(batch.calls.count)
    rejects += batch.rejects
  }

  /// Notes a batch's calls per 10-second bucket, as a follower's small batches would come: one
  /// write of a whole file would span a source's silence and hide it from the rules that watch
  /// sources (`source_time_since_last_call`).
  func noteWrites(_ batch: IngestBatch) {
    var current: (bucket: Int64, calls: Int64, first: Int64, last: Int64)?
    var byBucket: [Int64: (calls: Int64, first: Int64, last: Int64)] = [:]
    func flush() {
      guard let c = current else { return }
      let was = byBucket[c.bucket] ?? (0, .max, .min)
      byBucket[c.bucket] = (was.calls + c.calls, min(was.first, c.first), max(was.last, c.last))
    }
    for row in batch.calls.rows {
      let ms = row.timestampMs
      let bucket = RollupKey.bucket(of: ms)
      if let c = current, c.bucket == bucket {
        current = (bucket, c.calls + 1, min(c.first, ms), max(c.last, ms))
      } else {
        flush()
        current = (bucket, 1, ms, ms)
      }
    }
    flush()
    for (_, w) in byBucket.sorted(by: { $0.key < $1.key }) {
      rollups.noteWrite(source: batch.source, calls: w.calls, firstMs: w.first, lastMs: w.last)
    }
  }
}
