import VigilCore

/// What a store keeps of its rollups between evaluations (``Store/consistently(_:)``), so that an
/// evaluation every 15 s reads what is new since the last one, not every window again: the 10 s
/// rollups of the windows asked for, with their histograms as stored; whole minutes of rollups
/// (an SLO's causes window of hours); the request tiers; and the write chunks (what each source
/// delivered). Every write of rollups notes the earliest bucket it changed in `rollup_changes`
/// (in its own transaction), and a retention pass that deleted anything notes "everything"; at
/// the start of each read transaction the store reads the notes it has not seen and lets go of
/// what they changed, so a late call, another process's import or a prune is read again, never
/// missed. Notes trimmed before this store saw them, or a rollback on its connection, start it
/// again from nothing.
struct StoreMirror {
  /// Reads are answered from here only inside ``Store/consistently(_:)``, after the notes were
  /// read in the same transaction.
  var active = false
  /// The last note read; -1 before the first.
  var lastChange: Int64 = -1
  /// The connection's rollbacks when the mirror last looked.
  var rollbacksSeen = 0
  /// The longest 10 s stretch read through the mirror; a longer window (a rule's hours, a TTFT
  /// SLO's days) is read from the table as before, row by row, not held.
  static let fineSpanMs: Int64 = 35 * 60_000
  /// 10 s rows for windows of up to half an hour (with their histograms, a few hundred bytes
  /// per bucket and series); a longer window is read as before, each time.
  var fine = SpanMirror<FineRow>(unitMs: rollupBucketMs, maxSpanMs: fineSpanMs)
  var minuteRollups = SpanMirror<(series: Int64, rollup: Rollup)>(unitMs: 60_000, maxSpanMs: 26 * 3_600_000)
  var minutes = SpanMirror<(series: Int64, counts: RequestCounts)>(unitMs: 60_000, maxSpanMs: 26 * 3_600_000)
  var hours = SpanMirror<(series: Int64, counts: RequestCounts)>(
    unitMs: 3_600_000, maxSpanMs: 40 * 86_400_000)
  var chunks = ChunkMirror()
  /// The first minute the minute tier holds, once read.
  var firstMinuteKept: Int64?
  /// Source names by id.
  var sourceNames: [Int64: String] = [:]
  /// Sums of whole minutes and hours per series id (a long window's middle), by tier and span:
  /// the same for the four evaluations of a minute.
  var tierSums = SpanSums<RequestCounts>()
  /// The same for the whole minutes of a causes window's rollups (`TierSpan.minute` true).
  var rollupSums = SpanSums<Rollup>()
  /// Per series id, over whole minutes: the requests and the last minute with one ("time since
  /// the last call" reads an hour of minutes).
  var activitySums = SpanSums<(requests: Int64, lastMinute: Int64)>()
  /// Per series id, over whole minutes or hours: the first with a request (how much of an SLO
  /// window a series' history covers).
  var firstSums = SpanSums<Int64>()
  /// Histograms per series id over a window of each length: the next evaluation's window is
  /// this one with the buckets that entered it added and those that left it taken away, not
  /// thirty buckets decoded again. With the rows each sum holds per series, so that a series
  /// whose rows all left the window leaves it too.
  var histogramSums: [HistogramSpan: HistogramSum] = [:]

  struct TierSpan: Hashable {
    var minute: Bool
    var from: Int64
    var to: Int64
  }
  struct HistogramSpan: Hashable {
    var histogram: RollupHistogram
    var lengthMs: Int64
  }
  struct HistogramSum {
    var from: Int64
    var to: Int64
    var sums: [Int64: (histogram: LatencyHistogram, rows: Int)]
    var used = true
  }

  /// One stored 10 s rollup: its counts, and its histograms as stored (decoded when merged). A
  /// class: a window's pass hands on a reference, not a copy of every array the rollup holds.
  final class FineRow {
    let series: Int64
    let rollup: Rollup
    let counts: RequestCounts
    let latency: [UInt8]
    let ttft: [UInt8]?
    let streamLatency: [UInt8]?

    init(series: Int64, rollup: Rollup, latency: [UInt8], ttft: [UInt8]?, streamLatency: [UInt8]?) {
      self.series = series
      self.rollup = rollup
      var counts = RequestCounts()
      counts.add(rollup)
      self.counts = counts
      self.latency = latency
      self.ttft = ttft
      self.streamLatency = streamLatency
    }

    func histogram(_ h: RollupHistogram) -> [UInt8]? {
      switch h {
      case .latency: latency
      case .ttft: ttft
      case .streamLatency: streamLatency
      }
    }
  }

  /// Lets go of what the store changed from `bucketMs` on (`.min`: everything).
  mutating func invalidate(from bucketMs: Int64) {
    fine.invalidate(from: bucketMs)
    minuteRollups.invalidate(from: bucketMs)
    minutes.invalidate(from: bucketMs)
    hours.invalidate(from: bucketMs)
    // (`.max` when the minute tier is empty: any write may start it.)
    if let kept = firstMinuteKept, bucketMs == .min || RequestTier.minute.start(of: bucketMs) <= kept {
      firstMinuteKept = nil
    }
    if bucketMs == .min { chunks = ChunkMirror() }
    // A sum whose span holds the bucket changed (for a tier: the minute or hour that holds it).
    tierSums.invalidate(from: bucketMs)
    rollupSums.invalidate(from: bucketMs)
    activitySums.invalidate(from: bucketMs)
    firstSums.invalidate(from: bucketMs)
    histogramSums = histogramSums.filter { _, sum in bucketMs != .min && bucketMs >= sum.to }
  }

  mutating func evict() {
    fine.evict()
    minuteRollups.evict()
    minutes.evict()
    hours.evict()
    chunks.evict()
    tierSums.evict()
    rollupSums.evict()
    activitySums.evict()
    firstSums.evict()
    histogramSums = histogramSums.filter { $0.value.used }.mapValues {
      var sum = $0
      sum.used = false
      return sum
    }
  }
}

/// The write chunks whose calls reach a window asked for: chunks are never changed, only added
/// (with ids that grow) and deleted by retention, which notes a change of everything.
struct ChunkMirror {
  struct Chunk {
    var firstCall: Int64
    var lastCall: Int64
    var minMs: Int64
    var maxMs: Int64
    var source: Int64
  }
  /// Held: every chunk with an id up to `lastID` whose last call is at or after `floor`.
  var chunks: [Chunk] = []
  var lastID: Int64 = -1
  var floor: Int64 = .max
  var lowestAsked: Int64 = .max

  mutating func evict() {
    defer { lowestAsked = .max }
    guard lowestAsked != .max, lowestAsked > floor else { return }
    chunks.removeAll { $0.maxMs < lowestAsked }
    floor = lowestAsked
  }
}

extension Store {
  /// At the start of a read transaction: the changes noted since the last look, and what they
  /// changed let go of. Notes trimmed before this store read them (it looked last long ago) let
  /// go of everything.
  func syncMirror() throws(StoreError) {
    let s = try cachedStatement(
      "SELECT (SELECT min(id) FROM rollup_changes), max(id), min(bucket) FROM rollup_changes WHERE id > ?")
    defer { s.reset() }
    // A rollback on this connection may have taken back rows (and notes) the mirror read inside
    // its transaction: start again.
    if connection.rollbacks != mirror.rollbacksSeen {
      mirror.rollbacksSeen = connection.rollbacks
      mirror.lastChange = -1
    }
    s.bind(1, mirror.lastChange)
    guard try s.step() else { return }
    let first = s.isNull(0) ? nil : s.int64(0)
    let newest = s.isNull(1) ? nil : s.int64(1)
    mirror.evict()
    if mirror.lastChange < 0 || (first.map { $0 > mirror.lastChange + 1 } ?? false) {
      mirror.invalidate(from: .min)
    } else if newest != nil {
      mirror.invalidate(from: s.int64(2))
    }
    if let newest { mirror.lastChange = newest } else if mirror.lastChange < 0 { mirror.lastChange = 0 }
  }

  /// Notes, in the write's transaction, that rollups from `bucketMs` on changed (`.min`:
  /// anything). Old notes are trimmed now and then; a reader that missed them starts again.
  func noteRollupChange(from bucketMs: Int64) throws(StoreError) {
    // A write inside this store's own read (none is made today) lets go at once.
    if mirror.active { mirror.invalidate(from: bucketMs) }
    let s = try cachedStatement("INSERT INTO rollup_changes(bucket) VALUES (?)")
    s.bind(1, bucketMs)
    try s.run()
    let id = connection.lastInsertRowID
    if id % 1024 == 0 { try connection.execute("DELETE FROM rollup_changes WHERE id <= \(id - 16_384)") }
  }

  /// The 10 s rows of `[from, to)` from the mirror, each unit's rows in series order.
  func fineRows(from: Int64, to: Int64) throws(StoreError) -> [(unit: Int64, rows: [StoreMirror.FineRow])] {
    try mirror.fine.rows(from: from, to: to) { (a, b) throws(StoreError) in
      let s = try rollupStatement(fromMs: a, toMs: b)
      defer { s.reset() }
      var out: [(Int64, StoreMirror.FineRow)] = []
      while try s.step() {
        var latency: [UInt8] = []
        s.withBlob(19) { latency = Array($0) }
        let ttft = s.isNull(29) ? nil : s.withBlob(29) { Array($0) }
        let streamLatency = s.isNull(30) ? nil : s.withBlob(30) { Array($0) }
        out.append(
          (
            s.int64(0),
            StoreMirror.FineRow(
              series: s.int64(1), rollup: Self.readRollup(s, from: 2, latency: false, codes: false),
              latency: latency, ttft: ttft, streamLatency: streamLatency)
          ))
      }
      return out
    }
  }

  /// Request counts per series id over `[from, to)` of a tier (nil: the 10 s rollups), from the
  /// mirror.
  func mirroredCounts(tier: RequestTier?, from: Int64, to: Int64) throws(StoreError) -> [(
    unit: Int64, rows: [(series: Int64, counts: RequestCounts)]
  )] {
    guard let tier else {
      return try fineRows(from: from, to: to).map { u in
        (
          u.unit,
          u.rows.map { ($0.series, $0.counts) }
        )
      }
    }
    let load = {
      (a: Int64, b: Int64) throws(StoreError) -> [(Int64, (series: Int64, counts: RequestCounts))] in
      let s = try self.cachedStatement(
        """
        SELECT \(tier.column), series, requests, unavailable, cancelled, pending, retries FROM \(tier.table)
        WHERE \(tier.column) >= ? AND \(tier.column) < ?
        """)
      defer { s.reset() }
      s.bind(1, a)
      s.bind(2, b)
      var out: [(Int64, (series: Int64, counts: RequestCounts))] = []
      while try s.step() {
        out.append(
          (
            s.int64(0),
            (
              s.int64(1),
              RequestCounts(
                requests: s.int64(2), unavailable: s.int64(3), cancelled: s.int64(4), pending: s.int64(5),
                retries: s.int64(6))
            )
          ))
      }
      return out
    }
    return tier == .minute
      ? try mirror.minutes.rows(from: from, to: to, load: load)
      : try mirror.hours.rows(from: from, to: to, load: load)
  }

  /// Rollups (no histograms) per series id over `[from, to)`: whole minutes from the mirror's
  /// minutes, the edges from its 10 s rows.
  func mirroredRollups(from: Int64, to: Int64) throws(StoreError) -> [Int64: Rollup] {
    var out: [Int64: Rollup] = [:]
    func add(_ series: Int64, _ r: Rollup) { out[series, default: Rollup()].merge(r, latency: false) }
    let firstMinute = RequestTier.minute.end(of: from)
    let lastMinute = RequestTier.minute.start(of: to)
    guard firstMinute < lastMinute else {
      for u in try fineRows(from: from, to: to) { for r in u.rows { add(r.series, r.rollup) } }
      return out
    }
    for u in try fineRows(from: from, to: firstMinute) { for r in u.rows { add(r.series, r.rollup) } }
    let span = StoreMirror.TierSpan(minute: true, from: firstMinute, to: lastMinute)
    if let known = mirror.rollupSums.sums(span) {
      for (series, r) in known { add(series, r) }
      for u in try fineRows(from: lastMinute, to: to) { for r in u.rows { add(r.series, r.rollup) } }
      return out
    }
    let minutes = try mirror.minuteRollups.rows(from: firstMinute, to: lastMinute) {
      (a, b) throws(StoreError) in
      let s = try rollupStatement(fromMs: a, toMs: b)
      defer { s.reset() }
      var merged: [RequestTierKey: Rollup] = [:]
      while try s.step() {
        merged[
          RequestTierKey(start: RequestTier.minute.start(of: s.int64(0)), series: s.int64(1)),
          default: Rollup()
        ]
        .merge(Self.readRollup(s, from: 2, latency: false, codes: false), latency: false)
      }
      return merged.map { ($0.key.start, (series: $0.key.series, rollup: $0.value)) }
    }
    var sums: [Int64: Rollup] = [:]
    for u in minutes { for r in u.rows { sums[r.series, default: Rollup()].merge(r.rollup, latency: false) } }
    mirror.rollupSums.keep(sums, for: span)
    for (series, r) in sums { add(series, r) }
    for u in try fineRows(from: lastMinute, to: to) { for r in u.rows { add(r.series, r.rollup) } }
    return out
  }
}
