import Foundation
package import VigilCore

/// Where a receiver's pushes stand: the last step it acknowledged and the totals at that step.
/// Kept in the database (`meta`), written after each acknowledged request, so that a restart or an
/// outage resumes from there and backfills in order.
package struct RemoteWriteProgress: Sendable, Equatable, Codable {
  /// The last step acknowledged (or skipped); samples after it are still to send.
  package var ackedMs: Int64
  package var totals = RemoteWriteTotals()

  package init(ackedMs: Int64) { self.ackedMs = ackedMs }

  /// The `meta` key of a receiver: its name and URL (another URL starts afresh).
  package static func metaKey(name: String, url: String) -> String { "remote_write/\(name)/\(url)" }

  package func encoded() -> String {
    // Plain structs of numbers and strings: encoding cannot fail.
    (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "{}"
  }

  /// The stored progress; nil when there is none or it does not decode (the push starts afresh).
  package static func decode(_ text: String?) -> RemoteWriteProgress? {
    guard let text else { return nil }
    return try? JSONDecoder().decode(RemoteWriteProgress.self, from: Data(text.utf8))
  }
}

/// When samples are due: one per series every `intervalMs`, at multiples of it; a step at `t`
/// counts the rollup buckets that ended by `t`, and is sent once `settleMs` past `t` (calls are
/// stored a moment after they happen). At most `maxBackfillMs` of steps are sent after an outage.
package struct RemoteWriteSchedule: Sendable, Equatable {
  package var intervalMs: Int64
  package var maxBackfillMs: Int64
  package var settleMs: Int64 = rollupBucketMs

  package init(intervalMs: Int64, maxBackfillMs: Int64) {
    self.intervalMs = intervalMs
    self.maxBackfillMs = maxBackfillMs
  }

  /// The latest step whose buckets are all stored by `nowMs`.
  package func lastDueStep(nowMs: Int64) -> Int64 { floorStep(nowMs - settleMs) }

  /// The oldest step still sent at `nowMs`: older ones are counted into the totals unsent.
  package func oldestSentStep(nowMs: Int64) -> Int64 { floorStep(nowMs - maxBackfillMs) }

  /// Where a receiver with no progress starts: `maxBackfillMs` back, the counters at zero there.
  package func origin(nowMs: Int64) -> Int64 { oldestSentStep(nowMs: nowMs) }

  /// When the step after `stepMs` is due.
  package func nextDueMs(after stepMs: Int64) -> Int64 { stepMs + intervalMs + settleMs }

  package func floorStep(_ ms: Int64) -> Int64 {
    let r = ms % intervalMs
    return r < 0 ? ms - r - intervalMs : ms - r
  }

  /// The rollup buckets a step counts beyond the previous one: those ending in `(from, to]`, as a
  /// half-open range of bucket starts for ``Store/rollupRows``.
  package static func bucketRange(afterMs from: Int64, throughMs to: Int64) -> (fromMs: Int64, toMs: Int64) {
    (from - rollupBucketMs + 1, to - rollupBucketMs + 1)
  }
}

extension RemoteWriteTotals {
  /// Adds the rows whose buckets end in `(from, to]`.
  package mutating func add(_ rows: [RollupRow], afterMs from: Int64, throughMs to: Int64) {
    for row in rows where row.bucketMs + rollupBucketMs > from && row.bucketMs + rollupBucketMs <= to {
      add(row)
    }
  }

  /// How many series a step sends (for counting what a skip leaves out).
  package var sampleCount: Int {
    var b = WriteRequestBuilder(externalLabels: [])
    b.add(self, atMs: 0)
    return b.sampleCount
  }
}
