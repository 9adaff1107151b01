import Foundation
package import VigilCore

/// Where a receiver's pushes stand: the last step it acknowledged and the totals at that step.
/// Kept in the database (`meta`) so that a restart or an outage resumes from there and backfills
/// in order: the whole of it (hundreds of KB with a thousand series) every ``snapshotEveryMs`` of
/// steps and when serve stops, the acknowledged step alone (``ackedKey``) after each request. A
/// start after a crash counts the steps between the two again from the rollups (``catchUp``).
package struct RemoteWriteProgress: Sendable, Equatable, Codable {
  /// The last step acknowledged (or skipped); samples after it are still to send.
  package var ackedMs: Int64
  package var totals = RemoteWriteTotals()
  /// What each recent bucket of each series added to the totals, by bucket start and series: a
  /// bucket read again with more calls (stored late: a log caught up, a spool drained) adds the
  /// difference at the next step. Kept for ``lateWindowMs``.
  package var counted: [String: RemoteWriteTotals.Series] = [:]

  package init(ackedMs: Int64) { self.ackedMs = ackedMs }

  /// The `meta` key of a receiver: its name and URL (another URL starts afresh).
  package static func metaKey(name: String, url: String) -> String { "remote_write/\(name)/\(url)" }

  /// The `meta` key of a receiver's last acknowledged step (milliseconds, as text).
  package static func ackedKey(name: String, url: String) -> String { "remote_write_acked/\(name)/\(url)" }

  /// How many milliseconds of steps go by between two writes of the whole progress: each
  /// acknowledged request writes only its step, so a push every second costs intake nothing.
  package static let snapshotEveryMs: Int64 = 60_000

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

/// When samples are due: one per series every `intervalMs`, at multiples of it. A step at `t`
/// counts the rollup buckets begun by `t` (their calls so far: the rest comes at later steps, as
/// calls stored late do), and is sent `settleMs` after `t`, when the calls of `t` are stored. At
/// most `maxBackfillMs` of steps are sent after an outage.
package struct RemoteWriteSchedule: Sendable, Equatable {
  package var intervalMs: Int64
  package var maxBackfillMs: Int64
  package var settleMs: Int64 = 2000

  package init(intervalMs: Int64, maxBackfillMs: Int64) {
    self.intervalMs = intervalMs
    self.maxBackfillMs = maxBackfillMs
  }

  /// The latest step whose calls are stored by `nowMs`.
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

  /// The first step at or after `ms`.
  package func ceilStep(_ ms: Int64) -> Int64 { -floorStep(-ms) }
}

extension RemoteWriteProgress {
  /// How long after its bucket ends a call stored late still reaches the receiver (in the counters
  /// at the step it is stored by); later than that, it stays in the local database only.
  package static let lateWindowMs: Int64 = 300_000

  /// Where a read of the rollups for the steps after ``ackedMs`` starts: the late window back.
  package var readFromMs: Int64 { ackedMs - Self.lateWindowMs }

  /// Counts the rows of buckets begun by `step`: a bucket not seen before whole, one seen before
  /// by what it gained since.
  package mutating func count(_ rows: [RollupRow], throughMs step: Int64) {
    for row in rows where row.bucketMs <= step && row.bucketMs >= readFromMs {
      guard let now = RemoteWriteTotals.contribution(row) else { continue }
      let seriesKey = RemoteWriteTotals.key(row.series)
      let key = "\(row.bucketMs)\u{1E}\(seriesKey)"
      let before = counted[key]
      guard before != now else { continue }
      var s = totals.series[seriesKey] ?? RemoteWriteTotals.Series()
      if let before { s.add(before, sign: -1) }
      s.add(now)
      totals.series[seriesKey] = s
      counted[key] = now
    }
  }

  /// Counts the steps after ``ackedMs`` through `to` at once, from `rows` (the rollups read from
  /// ``readFromMs``): a skip too old to send, or the steps acknowledged after the stored whole.
  /// The totals come out at least those sent at `to` (rollups only gain calls), so a receiver
  /// sees no reset.
  package mutating func catchUp(_ rows: [RollupRow], to: Int64) {
    count(rows, throughMs: to)
    ackedMs = to
    forgetOld()
  }

  /// Forgets the buckets the late window has left behind.
  package mutating func forgetOld() {
    let from = readFromMs
    counted = counted.filter { key, _ in (Int64(key.prefix { $0 != "\u{1E}" }) ?? .min) >= from }
  }
}

extension RemoteWriteTotals {
  /// How many series a step sends (for counting what a skip leaves out).
  package var sampleCount: Int {
    var b = WriteRequestBuilder(externalLabels: [])
    b.add(self, atMs: 0)
    return b.sampleCount
  }
}
