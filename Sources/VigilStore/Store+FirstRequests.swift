package import VigilCore

extension Store {
  /// Per series, the start of the first 10 s bucket (a minute, inside the minute tier) in
  /// `[fromMs, toMs)` that holds one of its logical requests: how much of an SLO window a young
  /// series' history covers. Whole hours are read from `request_hours` and only the first hour
  /// with requests is looked into by minute, so three days cost about 72 rows per series, not 4,320.
  package func firstRequests(fromMs: Int64, toMs: Int64) throws(StoreError) -> [SeriesKey: Int64] {
    guard fromMs < toMs else { return [:] }
    var first: [Int64: Int64] = [:]
    func note(_ rows: [(series: Int64, ms: Int64)]) {
      for r in rows { first[r.series] = min(first[r.series] ?? .max, r.ms) }
    }
    let firstMinute = RequestTier.minute.end(of: fromMs)
    let minuteOfTo = RequestTier.minute.start(of: toMs)
    if firstMinute >= minuteOfTo {
      note(try earliest(nil, fromMs, toMs))
    } else {
      note(try earliest(nil, fromMs, firstMinute))
      let firstHour = RequestTier.hour.end(of: firstMinute)
      let hourOfTo = RequestTier.hour.start(of: minuteOfTo)
      if firstHour >= hourOfTo {
        note(try earliest(.minute, firstMinute, minuteOfTo))
      } else {
        note(try earliest(.minute, firstMinute, firstHour))
        // The first hour with requests of each series not seen before it, then its minutes.
        var byHour: [Int64: Set<Int64>] = [:]
        for r in try earliest(.hour, firstHour, hourOfTo) where first[r.series] == nil {
          byHour[r.ms, default: []].insert(r.series)
        }
        note(try earliest(.minute, hourOfTo, minuteOfTo))
        for (hour, series) in byHour {
          note(
            try earliest(.minute, hour, hour + RequestTier.hour.widthMs).filter { series.contains($0.series) }
          )
        }
      }
      note(try earliest(nil, minuteOfTo, toMs))
    }
    var keyed: [SeriesKey: Int64] = [:]
    for (id, ms) in first {
      guard let key = try seriesKey(id: id) else { continue }
      keyed[key] = ms
    }
    return keyed
  }

  /// The earliest interval with requests per series id over `[from, to)`: of a tier's table, or
  /// (`tier: nil`) of the 10 s rollups.
  func earliest(_ tier: RequestTier?, _ from: Int64, _ to: Int64) throws(StoreError) -> [(
    series: Int64, ms: Int64
  )] {
    guard from < to else { return [] }
    if mirror.active {
      // (Whole minutes or hours: the same for the evaluations of a minute.)
      let span = tier.map { StoreMirror.TierSpan(minute: $0 == .minute, from: from, to: to) }
      if let span, let known = mirror.firstSums.sums(span) { return known.map { ($0.key, $0.value) } }
      var first: [Int64: Int64] = [:]
      for u in try mirroredCounts(tier: tier, from: from, to: to) {
        for r in u.rows where r.counts.requests > 0 && first[r.series] == nil { first[r.series] = u.unit }
      }
      if let span { mirror.firstSums.keep(first, for: span) }
      return first.map { ($0.key, $0.value) }
    }
    let (table, column) = tier.map { ($0.table, $0.column) } ?? ("rollups", "bucket")
    let s = try cachedStatement(
      """
      SELECT series, min(\(column)) FROM \(table) WHERE \(column) >= ? AND \(column) < ? AND requests > 0
      GROUP BY series
      """)
    defer { s.reset() }
    s.bind(1, from)
    s.bind(2, to)
    var rows: [(Int64, Int64)] = []
    while try s.step() { rows.append((s.int64(0), s.int64(1))) }
    return rows
  }
}
