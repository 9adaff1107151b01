package import VigilCore

/// The evaluator's reads answered from the store's mirror (``StoreMirror``).
extension Store {
  /// What each source delivered in `[fromMs, toMs)` (``sourceActivity(fromMs:toMs:)``), from the
  /// mirror's chunks; a chunk that straddles an edge is counted call by call.
  func mirroredSourceActivity(fromMs: Int64, toMs: Int64) throws(StoreError) -> [SourceActivity] {
    let columns = "id, first_call, last_call, min_ts, max_ts, source"
    func load(_ s: Statement) throws(StoreError) {
      defer { s.reset() }
      while try s.step() {
        mirror.chunks.chunks.append(
          ChunkMirror.Chunk(
            firstCall: s.int64(1), lastCall: s.int64(2), minMs: s.int64(3), maxMs: s.int64(4),
            source: s.int64(5)))
        mirror.chunks.lastID = max(mirror.chunks.lastID, s.int64(0))
      }
    }
    if fromMs < mirror.chunks.floor || mirror.chunks.lastID < 0 {
      mirror.chunks = ChunkMirror()
      mirror.chunks.lastID = try connection.scalar("SELECT coalesce(max(id), 0) FROM chunks") ?? 0
      let s = try cachedStatement("SELECT \(columns) FROM chunks WHERE max_ts >= ? AND id <= ?")
      s.bind(1, fromMs)
      s.bind(2, mirror.chunks.lastID)
      try load(s)
      mirror.chunks.floor = fromMs
    } else {
      let s = try cachedStatement("SELECT \(columns) FROM chunks WHERE id > ?")
      s.bind(1, mirror.chunks.lastID)
      try load(s)
    }
    mirror.chunks.lowestAsked = min(mirror.chunks.lowestAsked, fromMs)
    // Per source id, in a short list (a handful of sources, thousands of chunks an hour).
    var bySource: [(source: Int64, calls: Int64, last: Int64)] = []
    var at = 0
    for k in mirror.chunks.chunks where k.maxMs >= fromMs && k.minMs < toMs {
      var n = k.lastCall - k.firstCall + 1
      var last: Int64? = k.maxMs
      if k.minMs < fromMs || k.maxMs >= toMs {
        let s = try cachedStatement(
          "SELECT count(*), max(ts) FROM calls WHERE id BETWEEN ? AND ? AND ts >= ? AND ts < ?")
        defer { s.reset() }
        s.bind(1, k.firstCall)
        s.bind(2, k.lastCall)
        s.bind(3, fromMs)
        s.bind(4, toMs)
        guard try s.step() else { continue }
        n = s.int64(0)
        last = s.isNull(1) ? nil : s.int64(1)
      }
      if at >= bySource.count || bySource[at].source != k.source {
        at = bySource.firstIndex { $0.source == k.source } ?? bySource.count
        if at == bySource.count { bySource.append((k.source, 0, .min)) }
      }
      bySource[at].calls.addSaturating(n)
      if let last { bySource[at].last = max(bySource[at].last, last) }
    }
    var out: [SourceActivity] = []
    for entry in bySource where entry.calls > 0 {
      guard let name = try sourceName(id: entry.source) else { continue }
      out.append(SourceActivity(source: name, calls: entry.calls, lastCallMs: entry.last))
    }
    return out.sorted { $0.source < $1.source }
  }

  /// The name of a source id; one that another process added since this connection read the
  /// table is read again.
  func sourceName(id: Int64) throws(StoreError) -> String? {
    if let name = mirror.sourceNames[id] { return name }
    try loadInterned()
    mirror.sourceNames = Dictionary(sourceIDs.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
    return mirror.sourceNames[id]
  }

  /// Requests and the end of the last 10 s bucket with one, per series id, over `[from, to)`.
  func mirroredActivity(from: Int64, to: Int64) throws(StoreError) -> [(
    series: Int64, requests: Int64, lastEnd: Int64
  )] {
    var out: [Int64: (requests: Int64, lastEnd: Int64)] = [:]
    for u in try fineRows(from: from, to: to) {
      for r in u.rows where r.rollup.requests > 0 {
        var e = out[r.series] ?? (0, .min)
        e.requests.addSaturating(r.rollup.requests)
        e.lastEnd = u.unit + rollupBucketMs
        out[r.series] = e
      }
    }
    return out.map { ($0.key, $0.value.requests, $0.value.lastEnd) }
  }

  /// ``rollupRows(fromMs:toMs:latency:)`` from the mirror's 10 s rows.
  func mirroredRollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws(StoreError) -> [RollupRow] {
    var out: [RollupRow] = []
    for u in try fineRows(from: fromMs, to: toMs) {
      for row in u.rows {
        guard let key = try seriesKey(id: row.series) else { continue }
        var r = row.rollup
        if latency {
          row.latency.withUnsafeBytes { _ = r.latency.merge(encoded: $0) }
          row.ttft?.withUnsafeBytes { _ = r.ttft.merge(encoded: $0) }
          row.streamLatency?.withUnsafeBytes { _ = r.streamLatency.merge(encoded: $0) }
        }
        out.append(RollupRow(bucketMs: u.unit, series: key, rollup: r))
      }
    }
    return out
  }

  /// The window sums per series of each start (``RollupSource``): inside an evaluation, from the
  /// mirror's 10 s rows, the latest start first, each window the one after it and its earlier
  /// buckets; otherwise (or for a window longer than the mirror keeps) from the rows.
  package func seriesWindows(starts: [Int64], toMs: Int64) throws(StoreError) -> [Int64: [SeriesKey:
    SeriesWindow]]
  {
    let starts = Set(starts).filter { $0 < toMs }
    guard let earliest = starts.min() else { return [:] }
    guard mirror.active && toMs - earliest <= StoreMirror.fineSpanMs else {
      return SeriesWindow.sums(
        of: try rollupRows(fromMs: earliest, toMs: toMs, latency: false), starts: starts, to: toMs)
    }
    let units = try fineRows(from: earliest, to: toMs)
    var next = units.count
    var running: [Int64: SeriesWindow] = [:]
    var out: [Int64: [SeriesKey: SeriesWindow]] = [:]
    for start in starts.sorted(by: >) {
      while next > 0 && units[next - 1].unit >= start {
        next -= 1
        for row in units[next].rows {
          running[row.series, default: SeriesWindow()].add(row.rollup, bucketMs: units[next].unit, to: toMs)
        }
      }
      var window: [SeriesKey: SeriesWindow] = [:]
      for (id, sum) in running {
        if let key = try seriesKey(id: id) { window[key] = sum }
      }
      if !window.isEmpty { out[start] = window }
    }
    return out
  }

  /// ``histogramWindows(_:starts:toMs:)`` from the mirror's 10 s rows: each window from the sum
  /// of the last evaluation's window of its length, moved on (``StoreMirror/histogramSums``).
  func mirroredHistogramWindows(_ histogram: RollupHistogram, starts: [Int64], toMs: Int64) throws(StoreError)
    -> [Int64: [SeriesKey: LatencyHistogram]]
  {
    var out: [Int64: [SeriesKey: LatencyHistogram]] = [:]
    for start in Set(starts) where start < toMs {
      let span = StoreMirror.HistogramSpan(histogram: histogram, lengthMs: toMs - start)
      var sum: StoreMirror.HistogramSum
      // (Taken out of the mirror while it changes, and each series' sum out of it: changed in
      // place, not copied, bucket arrays and all, for every row.)
      if let known = mirror.histogramSums.removeValue(forKey: span), known.from <= start, known.to <= toMs,
        start <= known.to
      {
        sum = known
        try addHistograms(histogram, from: known.to, to: toMs, into: &sum, sign: 1)
        try addHistograms(histogram, from: known.from, to: start, into: &sum, sign: -1)
      } else {
        sum = StoreMirror.HistogramSum(from: start, to: start, sums: [:])
        try addHistograms(histogram, from: start, to: toMs, into: &sum, sign: 1)
      }
      (sum.from, sum.to, sum.used) = (start, toMs, true)
      mirror.histogramSums[span] = sum
      var window: [SeriesKey: LatencyHistogram] = [:]
      for (id, entry) in sum.sums {
        if let key = try seriesKey(id: id) { window[key] = entry.histogram }
      }
      if !window.isEmpty { out[start] = window }
    }
    return out
  }

  /// Adds (or with `sign` -1, takes away) the histograms of the 10 s rows of `[from, to)`.
  private func addHistograms(
    _ histogram: RollupHistogram, from: Int64, to: Int64, into sum: inout StoreMirror.HistogramSum, sign: Int
  ) throws(StoreError) {
    guard from < to else { return }
    for u in try fineRows(from: from, to: to) {
      for row in u.rows {
        guard let blob = row.histogram(histogram) else { continue }
        var entry = sum.sums.removeValue(forKey: row.series) ?? (LatencyHistogram(), 0)
        if sign > 0 {
          blob.withUnsafeBytes { _ = entry.histogram.merge(encoded: $0) }
        } else {
          var gone = LatencyHistogram()
          blob.withUnsafeBytes { _ = gone.merge(encoded: $0) }
          entry.histogram.subtract(gone)
        }
        entry.rows += sign
        if entry.rows > 0 { sum.sums[row.series] = entry }
      }
    }
  }
}
