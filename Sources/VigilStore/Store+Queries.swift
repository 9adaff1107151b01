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
    if mirror.active && !codes && toMs - fromMs <= StoreMirror.fineSpanMs {
      return try mirroredRollupRows(fromMs: fromMs, toMs: toMs, latency: latency)
    }
    let s = try rollupStatement(fromMs: fromMs, toMs: toMs)
    defer { s.reset() }
    var out: [RollupRow] = []
    while try s.step() {
      var r = Self.readRollup(s, from: 2, latency: false, codes: codes)
      if latency {
        s.withBlob(19) { _ = r.latency.merge(encoded: $0) }
        s.withBlob(29) { _ = r.ttft.merge(encoded: $0) }
        s.withBlob(30) { _ = r.streamLatency.merge(encoded: $0) }
      }
      guard let key = try seriesKey(id: s.int64(1)) else { continue }
      out.append(RollupRow(bucketMs: s.int64(0), series: key, rollup: r))
    }
    return out
  }
}

extension Store {
  /// The rows of `rollups` in `[fromMs, toMs)`, every column, in (bucket, series) order: the
  /// statement bound, to step through and reset.
  func rollupStatement(fromMs: Int64, toMs: Int64) throws(StoreError) -> Statement {
    if rollupQuery == nil {
      rollupQuery = try connection.prepare(
        "SELECT bucket, series, \(Self.rollupColumns) FROM rollups WHERE bucket >= ? AND bucket < ?")
    }
    let s = rollupQuery!
    try s.bind([.int(fromMs), .int(toMs)])
    return s
  }

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
    try histogramWindows(.latency, starts: starts, toMs: toMs)
  }

  /// The same for any histogram of the rollups (``RollupHistogram``: its column's name).
  package func histogramWindows(_ histogram: RollupHistogram, starts: [Int64], toMs: Int64) throws(StoreError)
    -> [Int64: [SeriesKey: LatencyHistogram]]
  {
    guard let earliest = starts.min() else { return [:] }
    if mirror.active && toMs - earliest <= StoreMirror.fineSpanMs {
      return try mirroredHistogramWindows(histogram, starts: starts, toMs: toMs)
    }
    let s: Statement
    if histogram == .latency {
      if latencyQuery == nil {
        latencyQuery = try connection.prepare(
          "SELECT bucket, series, latency FROM rollups WHERE bucket >= ? AND bucket < ?")
      }
      s = latencyQuery!
    } else {
      // Stored only where a call streamed (NULL elsewhere): the scan skips the rest.
      let column = histogram.rawValue
      s = try cachedStatement(
        "SELECT bucket, series, \(column) FROM rollups WHERE bucket >= ? AND bucket < ? AND \(column) IS NOT NULL"
      )
    }
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

  /// The time retention measures ages back from: the end of the newest stored call's minute, and
  /// never later than `nowMs` when given. Logs imported from last month are not old the moment
  /// they are stored (serve once deleted a whole import at start by the wall clock); nil when
  /// nothing is stored.
  package func retentionReferenceMs(nowMs: Int64? = nil) throws(StoreError) -> Int64? {
    guard let newest = try bucketRange().map({ $0.1 + rollupBucketMs }) else { return nil }
    return nowMs.map { min($0, newest) } ?? newest
  }

  /// The first call time of the raw calls still stored (retention deletes the oldest first), or
  /// nil when there are none.
  package func oldestRawCallMs() throws(StoreError) -> Int64? {
    let s = try connection.prepare("SELECT min(min_ts) FROM chunks")
    guard try s.step(), !s.isNull(0) else { return nil }
    return s.int64(0)
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
    if mirror.active { return try mirroredSourceActivity(fromMs: fromMs, toMs: toMs) }
    // Chunks inside the stretch count whole; one that straddles an edge counts its calls in the
    // stretch, read by id range (a chunk holds at most one batch), so the counts are exact.
    let s = try connection.prepare(
      """
      SELECT name, sum(n), max(last) FROM (
        SELECT o.name AS name,
          CASE WHEN k.min_ts >= ?1 AND k.max_ts < ?2 THEN k.last_call - k.first_call + 1
            ELSE (SELECT count(*) FROM calls c
                  WHERE c.id BETWEEN k.first_call AND k.last_call AND c.ts >= ?1 AND c.ts < ?2) END AS n,
          CASE WHEN k.max_ts < ?2 THEN k.max_ts
            ELSE (SELECT max(c.ts) FROM calls c
                  WHERE c.id BETWEEN k.first_call AND k.last_call AND c.ts >= ?1 AND c.ts < ?2) END AS last
        FROM chunks k JOIN sources o ON o.id = k.source
        WHERE k.max_ts >= ?1 AND k.min_ts < ?2)
      GROUP BY name HAVING sum(n) > 0
      """)
    try s.bind([.int(fromMs), .int(toMs)])
    var out: [SourceActivity] = []
    while try s.step() {
      out.append(SourceActivity(source: s.text(0) ?? "", calls: s.int64(1), lastCallMs: s.int64(2)))
    }
    return out
  }
}

/// Failed calls with one provider's error code (or type), from the stored calls.
package struct ErrorCodeCount: Sendable, Equatable {
  package var provider: String
  package var model: String
  package var status: Int
  package var code: String
  package var count: Int64

  package init(provider: String, model: String, status: Int, code: String, count: Int64) {
    self.provider = provider
    self.model = model
    self.status = status
    self.code = code
    self.count = count
  }
}

extension Store {
  /// Failed calls of `[fromMs, toMs)` per provider, model, status and error code (else type), most
  /// first, from the raw calls (rollups keep statuses, not codes). At most the last `maxCalls`
  /// calls of the stretch are read, so that a busy day costs a bounded scan; `complete` says
  /// whether that covered the stretch.
  package func errorCodes(fromMs: Int64, toMs: Int64, provider: String? = nil, maxCalls: Int64 = 1_000_000)
    throws(StoreError) -> (counts: [ErrorCodeCount], complete: Bool)
  {
    guard let (start, last, complete) = try lastCalls(fromMs: fromMs, toMs: toMs, maxCalls: maxCalls) else {
      return ([], true)
    }
    let s = try connection.prepare(
      """
      SELECT s.provider, s.model, c.status, coalesce(c.detail ->> '$.error_code', c.detail ->> '$.error_type'),
        count(*)
      FROM calls c JOIN series s ON s.id = c.series
      WHERE c.id BETWEEN ? AND ? AND c.ts >= ? AND c.ts < ? AND c.detail IS NOT NULL
        AND (c.status >= 400 OR c.status = 0) AND (?5 IS NULL OR s.provider = ?5)
        AND coalesce(c.detail ->> '$.error_code', c.detail ->> '$.error_type') IS NOT NULL
      GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 2, 3, 4 LIMIT 50
      """)
    try s.bind([.int(start), .int(last), .int(fromMs), .int(toMs), provider.map(SQLValue.text) ?? .null])
    var out: [ErrorCodeCount] = []
    while try s.step() {
      out.append(
        ErrorCodeCount(
          provider: s.text(0) ?? "", model: s.text(1) ?? "", status: Int(s.int64(2)), code: s.text(3) ?? "",
          count: s.int64(4)))
    }
    return (out, complete)
  }

  /// The buckets of `[fromMs, toMs)` whose calls carried rate-limit headers (``RollupSource``).
  package func rateLimitRows(fromMs: Int64, toMs: Int64) throws(StoreError) -> [RollupRow] {
    let s = try cachedStatement(
      "SELECT bucket, series, fits FROM ratelimit_rollups WHERE bucket >= ? AND bucket < ?")
    defer { s.reset() }
    s.bind(1, fromMs)
    s.bind(2, toMs)
    var out: [RollupRow] = []
    while try s.step() {
      guard let series = try seriesKey(id: s.int64(1)), let fits = s.withBlob(2, { RateLimits(encoded: $0) })
      else {
        continue
      }
      var r = Rollup()
      r.rateLimits = fits
      out.append(RollupRow(bucketMs: s.int64(0), series: series, rollup: r))
    }
    return out.compactMap { RollupRow.rateLimits(of: $0) }
  }

  /// The end of the latest 10 s bucket with calls before `beforeMs`, or nil when none has any.
  package func lastCallBucketEndMs(beforeMs: Int64) throws(StoreError) -> Int64? {
    let s = try cachedStatement("SELECT max(bucket) FROM rollups WHERE bucket < ?")
    defer { s.reset() }
    s.bind(1, beforeMs)
    guard try s.step(), !s.isNull(0) else { return nil }
    return s.int64(0) + rollupBucketMs
  }
}
