package import VigilCore

/// A stored reject, as `vigil rejects` lists it.
package struct StoredReject: Sendable, Equatable {
  package var atMs: Int64
  package var source: String
  package var offset: Int64
  package var lineNumber: Int64?
  package var kind: String
  package var reason: String
  package var line: String
}

extension Store {
  /// The checkpoint of a file identity, if it was read before.
  package func checkpoint(fingerprint: String) throws(StoreError) -> Checkpoint? {
    let s = try connection.prepare(
      "SELECT path, device, inode, offset, line FROM checkpoints WHERE fingerprint = ?")
    try s.bind([.text(fingerprint)])
    guard try s.step() else { return nil }
    return Checkpoint(
      fingerprint: fingerprint, path: s.text(0) ?? "", device: UInt64(bitPattern: s.int64(1)),
      inode: UInt64(bitPattern: s.int64(2)), offset: s.int64(3), lineNumber: s.int64(4))
  }

  /// How many calls are stored.
  package func callCount() throws(StoreError) -> Int64 {
    try connection.scalar("SELECT count(*) FROM calls") ?? 0
  }

  /// How many rejects are stored.
  package func rejectCount() throws(StoreError) -> Int64 {
    try connection.scalar("SELECT count(*) FROM rejects") ?? 0
  }

  /// The most recent rejects, newest first.
  package func rejects(limit: Int = 100) throws(StoreError) -> [StoredReject] {
    let s = try connection.prepare(
      "SELECT at_ms, source, offset, line_number, kind, reason, line FROM rejects ORDER BY id DESC LIMIT ?")
    try s.bind([.int(Int64(limit))])
    var out: [StoredReject] = []
    while try s.step() {
      out.append(
        StoredReject(
          atMs: s.int64(0), source: s.text(1) ?? "", offset: s.int64(2),
          lineNumber: s.isNull(3) ? nil : s.int64(3),
          kind: s.text(4) ?? "", reason: s.text(5) ?? "", line: s.text(6) ?? ""))
    }
    return out
  }

  /// Rollups of buckets in `[fromMs, toMs)`, per series, each merged over the range.
  package func rollups(fromMs: Int64, toMs: Int64) throws(StoreError) -> [SeriesKey: Rollup] {
    var out: [SeriesKey: Rollup] = [:]
    for row in try rollupRows(fromMs: fromMs, toMs: toMs, latency: true) {
      out[row.series, default: Rollup()].merge(row.rollup)
    }
    return out
  }

  /// Rollups of buckets in `[fromMs, toMs)` by bucket and series, in one range scan. Without
  /// `latency`, histograms are not decoded (the counts and rates do not need them).
  package func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws(StoreError) -> [RollupRow] {
    try rollupRows(fromMs: fromMs, toMs: toMs, latency: latency, codes: false)
  }

  /// ``rollupRows(fromMs:toMs:latency:)`` with the attempts per status code too, for reports.
  package func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool, codes: Bool) throws(StoreError)
    -> [RollupRow]
  {
    if rollupQuery == nil {
      rollupQuery = try connection.prepare(
        "SELECT bucket, series, \(Self.rollupColumns) FROM rollups WHERE bucket >= ? AND bucket < ?")
    }
    let s = rollupQuery!
    defer { s.reset() }
    try s.bind([.int(fromMs), .int(toMs)])
    var out: [RollupRow] = []
    while try s.step() {
      var r = Self.readRollup(s, from: 2, latency: false, codes: codes)
      if latency { s.withBlob(19) { _ = r.latency.merge(encoded: $0) } }
      guard let key = try seriesKey(id: s.int64(1)) else { continue }
      out.append(RollupRow(bucketMs: s.int64(0), series: key, rollup: r))
    }
    return out
  }
}

extension Store {
  /// The series of an id; one that another process added since this connection read the table is
  /// read again.
  func seriesKey(id: Int64) throws(StoreError) -> SeriesKey? {
    if let key = seriesNames[id] { return key }
    if seriesNames.count == seriesIDs.count { try loadInterned() }
    seriesNames = Dictionary(uniqueKeysWithValues: seriesIDs.map { ($0.value, $0.key) })
    return seriesNames[id]
  }

  /// Latency histograms per series over `[start, toMs)` for each start, added straight from their
  /// stored encoding into one histogram per window and series (no histogram per row between).
  package func latencyWindows(starts: [Int64], toMs: Int64) throws(StoreError) -> [Int64: [SeriesKey:
    LatencyHistogram]]
  {
    guard let earliest = starts.min() else { return [:] }
    if latencyQuery == nil {
      latencyQuery = try connection.prepare(
        "SELECT bucket, series, latency FROM rollups WHERE bucket >= ? AND bucket < ?")
    }
    let s = latencyQuery!
    defer { s.reset() }
    try s.bind([.int(earliest), .int(toMs)])
    var byID: [Int64: [Int64: LatencyHistogram]] = [:]
    while try s.step() {
      let bucket = s.int64(0)
      let id = s.int64(1)
      for start in starts where bucket >= start {
        s.withBlob(2) { _ = byID[start, default: [:]][id, default: LatencyHistogram()].merge(encoded: $0) }
      }
    }
    var out: [Int64: [SeriesKey: LatencyHistogram]] = [:]
    for (start, series) in byID {
      for (id, h) in series {
        if let key = try seriesKey(id: id) { out[start, default: [:]][key] = h }
      }
    }
    return out
  }

  /// The first and last rollup buckets stored, or nil when there are none.
  package func bucketRange() throws(StoreError) -> (Int64, Int64)? {
    let s = try connection.prepare("SELECT min(bucket), max(bucket) FROM rollups")
    guard try s.step(), !s.isNull(0) else { return nil }
    return (s.int64(0), s.int64(1))
  }
}

extension Store {
  /// What each source delivered in `[fromMs, toMs)` by call time, from the writes' records: calls
  /// of the writes that overlap the stretch, and the last call before `toMs`.
  package func sourceActivity(fromMs: Int64, toMs: Int64) throws(StoreError) -> [SourceActivity] {
    let s = try connection.prepare(
      """
      SELECT o.name, sum(k.last_call - k.first_call + 1), max(min(k.max_ts, ?2 - 1))
      FROM chunks k JOIN sources o ON o.id = k.source
      WHERE k.max_ts >= ?1 AND k.min_ts < ?2
      GROUP BY o.name
      """)
    try s.bind([.int(fromMs), .int(toMs)])
    var out: [SourceActivity] = []
    while try s.step() {
      out.append(SourceActivity(source: s.text(0) ?? "", calls: s.int64(1), lastCallMs: s.int64(2)))
    }
    return out
  }
}

extension Store {
  /// Request counts per series over `[start, toMs)` for each start, from the coarsest tier that
  /// fits: whole hours from `request_hours`, whole minutes from `request_minutes`, and the 10 s
  /// rollups only for the edges. A 3-day window reads 72 hours and a few dozen minutes per series.
  package func requestCounts(starts: [Int64], toMs: Int64) throws(StoreError) -> [Int64: [SeriesKey:
    RequestCounts]]
  {
    guard !starts.isEmpty else { return [:] }
    let minuteOfTo = RequestTier.minute.start(of: toMs)
    let hourOfTo = RequestTier.hour.start(of: toMs)
    // The tail every window shares: whole minutes of the current hour, then the last 10 s buckets.
    let tenSecondTail = try countsBySeries(tier: nil, from: minuteOfTo, to: toMs)
    var out: [Int64: [SeriesKey: RequestCounts]] = [:]
    // Hours once, for the longest window that has any; each window adds those at or after its own.
    let hourStarts = starts.map { RequestTier.hour.end(of: RequestTier.minute.end(of: $0)) }.filter {
      $0 < hourOfTo
    }
    var hours: [(hour: Int64, series: SeriesKey, counts: RequestCounts)] = []
    if let first = hourStarts.min() {
      hours = try tierRows(.hour, from: first, to: hourOfTo)
    }
    var minuteTail: [SeriesKey: RequestCounts]?
    for start in Set(starts) {
      var sum: [SeriesKey: RequestCounts] = tenSecondTail
      func add(_ part: [SeriesKey: RequestCounts]) {
        for (series, counts) in part { sum[series, default: RequestCounts()].add(counts) }
      }
      let firstMinute = RequestTier.minute.end(of: start)
      if firstMinute >= minuteOfTo {
        // Shorter than what is left of the current minute: 10 s buckets only.
        sum = try countsBySeries(tier: nil, from: start, to: toMs)
        out[start] = sum
        continue
      }
      add(try countsBySeries(tier: nil, from: start, to: firstMinute))
      let firstHour = RequestTier.hour.end(of: firstMinute)
      if firstHour >= hourOfTo {
        add(try countsBySeries(tier: .minute, from: firstMinute, to: minuteOfTo))
      } else {
        add(try countsBySeries(tier: .minute, from: firstMinute, to: firstHour))
        for h in hours where h.hour >= firstHour { sum[h.series, default: RequestCounts()].add(h.counts) }
        if minuteTail == nil {
          minuteTail = try countsBySeries(tier: .minute, from: hourOfTo, to: minuteOfTo)
        }
        add(minuteTail!)
      }
      out[start] = sum
    }
    return out
  }

  /// Counts per series over `[from, to)`: from a tier's table, or (`tier: nil`) the 10 s rollups.
  func countsBySeries(tier: RequestTier?, from: Int64, to: Int64) throws(StoreError) -> [SeriesKey:
    RequestCounts]
  {
    guard from < to else { return [:] }
    var out: [SeriesKey: RequestCounts] = [:]
    if let tier {
      for row in try tierRows(tier, from: from, to: to) {
        out[row.series, default: RequestCounts()].add(row.counts)
      }
      return out
    }
    let s = try cachedStatement(
      "SELECT series, sum(requests), sum(unavailable) FROM rollups WHERE bucket >= ? AND bucket < ? GROUP BY series"
    )
    defer { s.reset() }
    s.bind(1, from)
    s.bind(2, to)
    while try s.step() {
      guard let key = try seriesKey(id: s.int64(0)) else { continue }
      out[key] = RequestCounts(requests: s.int64(1), unavailable: s.int64(2))
    }
    return out
  }

  func tierRows(_ tier: RequestTier, from: Int64, to: Int64) throws(StoreError)
    -> [(hour: Int64, series: SeriesKey, counts: RequestCounts)]
  {
    let s = try cachedStatement(
      "SELECT \(tier.column), series, requests, unavailable FROM \(tier.table) WHERE \(tier.column) >= ? AND \(tier.column) < ?"
    )
    defer { s.reset() }
    s.bind(1, from)
    s.bind(2, to)
    var out: [(hour: Int64, series: SeriesKey, counts: RequestCounts)] = []
    while try s.step() {
      guard let key = try seriesKey(id: s.int64(1)) else { continue }
      out.append((s.int64(0), key, RequestCounts(requests: s.int64(2), unavailable: s.int64(3))))
    }
    return out
  }
}
