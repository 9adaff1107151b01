package import VigilCore

extension Store {
  /// Requests and the last one per series over `[fromMs, toMs)`: whole minutes from
  /// `request_minutes`, the edges from the 10 s rollups, and for a series whose last request fell
  /// in the minute tier, the 10 s buckets of that one minute. An hour reads about sixty small rows
  /// per series, not 360 rollups.
  package func requestActivity(fromMs: Int64, toMs: Int64) throws(StoreError) -> [SeriesKey: RequestActivity]
  {
    guard fromMs < toMs else { return [:] }
    let firstMinute = RequestTier.minute.end(of: fromMs)
    let lastMinute = RequestTier.minute.start(of: toMs)
    var out: [Int64: RequestActivity] = [:]
    func add(_ series: Int64, _ requests: Int64, _ lastEndMs: Int64) {
      var a = out[series] ?? RequestActivity(requests: 0, lastRequestEndMs: .min)
      a.requests.addSaturating(requests)
      a.lastRequestEndMs = max(a.lastRequestEndMs, lastEndMs)
      out[series] = a
    }
    // The last bucket with a request, per series, among the 10 s rollups of [from, to).
    // (The mirror holds the last minutes; a lone minute an hour ago is read from the table.)
    func buckets(_ from: Int64, _ to: Int64, mirrored: Bool = true) throws(StoreError) -> [(
      series: Int64, requests: Int64, lastEnd: Int64
    )] {
      guard from < to else { return [] }
      if mirror.active && mirrored { return try mirroredActivity(from: from, to: to) }
      let s = try cachedStatement(
        """
        SELECT series, sum(requests), max(bucket) + \(rollupBucketMs) FROM rollups
        WHERE bucket >= ? AND bucket < ? AND requests > 0 GROUP BY series
        """)
      defer { s.reset() }
      s.bind(1, from)
      s.bind(2, to)
      var rows: [(Int64, Int64, Int64)] = []
      while try s.step() { rows.append((s.int64(0), s.int64(1), s.int64(2))) }
      return rows
    }
    if firstMinute >= lastMinute {
      for r in try buckets(fromMs, toMs) { add(r.series, r.requests, r.lastEnd) }
    } else {
      for r in try buckets(fromMs, firstMinute) { add(r.series, r.requests, r.lastEnd) }
      var lastMinuteOf: [Int64: Int64] = [:]
      if mirror.active {
        // (The whole minutes are the same for the evaluations of a minute.)
        let span = StoreMirror.TierSpan(minute: true, from: firstMinute, to: lastMinute)
        let minutes: [Int64: (requests: Int64, lastMinute: Int64)]
        if let known = mirror.activitySums.sums(span) {
          minutes = known
        } else {
          var sums: [Int64: (requests: Int64, lastMinute: Int64)] = [:]
          for u in try mirroredCounts(tier: .minute, from: firstMinute, to: lastMinute) {
            for r in u.rows where r.counts.requests > 0 {
              sums[r.series, default: (0, .min)].requests.addSaturating(r.counts.requests)
              sums[r.series]!.lastMinute = u.unit
            }
          }
          mirror.activitySums.keep(sums, for: span)
          minutes = sums
        }
        for (series, m) in minutes {
          add(series, m.requests, .min)
          lastMinuteOf[series] = m.lastMinute
        }
      } else {
        let s = try cachedStatement(
          """
          SELECT series, requests, minute FROM request_minutes WHERE minute >= ? AND minute < ? AND requests > 0
          """)
        defer { s.reset() }
        s.bind(1, firstMinute)
        s.bind(2, lastMinute)
        // Summed here rather than by GROUP BY: the rows come in time order, and SQLite would sort them.
        while try s.step() {
          add(s.int64(0), s.int64(1), .min)
          lastMinuteOf[s.int64(0)] = s.int64(2)
        }
      }
      var tail: Set<Int64> = []
      for r in try buckets(lastMinute, toMs) {
        add(r.series, r.requests, r.lastEnd)
        tail.insert(r.series)
      }
      // Series whose last request is in the minute tier: its exact bucket, one minute read each.
      var seriesOfMinute: [Int64: [Int64]] = [:]
      for (series, minute) in lastMinuteOf where !tail.contains(series) {
        seriesOfMinute[minute, default: []].append(series)
      }
      for (minute, series) in seriesOfMinute {
        let wanted = Set(series)
        for r in try buckets(minute, minute + RequestTier.minute.widthMs, mirrored: false)
        where wanted.contains(r.series) {
          add(r.series, 0, r.lastEnd)
        }
      }
    }
    var keyed: [SeriesKey: RequestActivity] = [:]
    for (id, a) in out {
      guard let key = try seriesKey(id: id) else { continue }
      keyed[key] = a
    }
    return keyed
  }

  /// Request counts per series over `[start, toMs)` for each start, from the coarsest tier that
  /// fits: whole hours from `request_hours`, whole minutes from `request_minutes`, and the 10 s
  /// rollups only for the edges. A 3-day window reads 72 hours and a few dozen minutes per series.
  package func requestCounts(starts: [Int64], toMs: Int64) throws(StoreError) -> [Int64: [SeriesKey:
    RequestCounts]]
  {
    guard !starts.isEmpty else { return [:] }
    let minuteOfTo = RequestTier.minute.start(of: toMs)
    let hourOfTo = RequestTier.hour.start(of: toMs)
    // A part that several windows share (the last 10 s buckets, the minutes of the current hour)
    // is read once; every part is summed per series id by SQLite.
    var parts: [[Int64]: [Int64: RequestCounts]] = [:]
    // Minutes are kept for less time than hours: before the first one kept, no subtraction.
    let earliestMinute = try firstMinuteKept()
    func part(_ tier: RequestTier?, _ from: Int64, _ to: Int64) throws(StoreError) -> [Int64: RequestCounts] {
      let key = [tier == .minute ? 1 : tier == .hour ? 2 : 0, from, to]
      if let known = parts[key] { return known }
      let counts = try countsBySeriesID(tier: tier, from: from, to: to)
      parts[key] = counts
      return counts
    }
    var out: [Int64: [SeriesKey: RequestCounts]] = [:]
    for start in Set(starts) {
      var sum: [Int64: RequestCounts] = [:]
      func add(_ counts: [Int64: RequestCounts]) {
        for (id, c) in counts { sum[id, default: RequestCounts()].add(c) }
      }
      let firstMinute = RequestTier.minute.end(of: start)
      if firstMinute >= minuteOfTo {
        // Shorter than what is left of the current minute: 10 s buckets only.
        add(try part(nil, start, toMs))
      } else {
        add(try part(nil, start, firstMinute))
        let firstHour = RequestTier.hour.end(of: firstMinute)
        if firstHour >= hourOfTo {
          add(try part(.minute, firstMinute, minuteOfTo))
        } else {
          // The window's first, partial hour: its minutes, or when most of that hour is in the
          // window, the hour less the minutes before the window (fewer rows either way).
          let hourOfFirst = RequestTier.hour.start(of: firstMinute)
          if firstHour - firstMinute <= RequestTier.hour.widthMs / 2 || hourOfFirst < earliestMinute {
            add(try part(.minute, firstMinute, firstHour))
          } else {
            add(try part(.hour, hourOfFirst, firstHour))
            for (id, c) in try part(.minute, hourOfFirst, firstMinute) {
              sum[id, default: RequestCounts()].subtract(c)
            }
          }
          add(try part(.hour, firstHour, hourOfTo))
          add(try part(.minute, hourOfTo, minuteOfTo))
        }
        add(try part(nil, minuteOfTo, toMs))
      }
      var keyed: [SeriesKey: RequestCounts] = [:]
      for (id, c) in sum {
        guard let key = try seriesKey(id: id) else { continue }
        keyed[key] = c
      }
      out[start] = keyed
    }
    return out
  }

  /// The first minute the minute tier holds (retention prunes it before the hour tier).
  func firstMinuteKept() throws(StoreError) -> Int64 {
    if mirror.active, let kept = mirror.firstMinuteKept { return kept }
    let s = try cachedStatement("SELECT min(minute) FROM request_minutes")
    defer { s.reset() }
    let kept = try s.step() && !s.isNull(0) ? s.int64(0) : .max
    if mirror.active { mirror.firstMinuteKept = kept }
    return kept
  }

  /// Counts per series id over `[from, to)`: from a tier's table, or (`tier: nil`) the 10 s rollups.
  func countsBySeriesID(tier: RequestTier?, from: Int64, to: Int64) throws(StoreError) -> [Int64:
    RequestCounts]
  {
    guard from < to else { return [:] }
    if mirror.active {
      let span = tier.map { StoreMirror.TierSpan(minute: $0 == .minute, from: from, to: to) }
      if let span, let known = mirror.tierSums.sums(span) { return known }
      var out: [Int64: RequestCounts] = [:]
      for u in try mirroredCounts(tier: tier, from: from, to: to) {
        for r in u.rows { out[r.series, default: RequestCounts()].add(r.counts) }
      }
      if let span { mirror.tierSums.keep(out, for: span) }
      return out
    }
    let (table, column, cancelled, pending) =
      tier.map { ($0.table, $0.column, "cancelled", "pending") } ?? (
        "rollups", "bucket", "c_cancelled", "retry_pending"
      )
    let s = try cachedStatement(
      """
      SELECT series, requests, unavailable, \(cancelled), \(pending), retries FROM \(table)
      WHERE \(column) >= ? AND \(column) < ?
      """)
    defer { s.reset() }
    s.bind(1, from)
    s.bind(2, to)
    // Summed here rather than by GROUP BY: the rows come in time order, and SQLite would sort them.
    var out: [Int64: RequestCounts] = [:]
    while try s.step() {
      out[s.int64(0), default: RequestCounts()].add(
        RequestCounts(
          requests: s.int64(1), unavailable: s.int64(2), cancelled: s.int64(3), pending: s.int64(4),
          retries: s.int64(5)))
    }
    return out
  }
}
