package import VigilCore

extension Store {
  /// Rollups of `[fromMs, toMs)` merged per series (``RollupSource``), summed per series id as the
  /// rows come: an SLO's causes window of two hours is some 700 rows per series, read every 15 s
  /// while its alert is active, and a row per bucket with its series' labels hashed into a
  /// dictionary cost more than reading them.
  package func rollups(fromMs: Int64, toMs: Int64, latency: Bool) throws(StoreError) -> [SeriesKey: Rollup] {
    if mirror.active && !latency {
      var out: [SeriesKey: Rollup] = [:]
      for (id, r) in try mirroredRollups(from: fromMs, to: toMs) {
        guard let key = try seriesKey(id: id) else { continue }
        out[key] = r
      }
      return out
    }
    let s = try rollupStatement(fromMs: fromMs, toMs: toMs)
    defer { s.reset() }
    var byID: [Int64: Rollup] = [:]
    while try s.step() {
      let r = Self.readRollup(s, from: 2, latency: latency, codes: false)
      byID[s.int64(1), default: Rollup()].merge(r, latency: latency)
    }
    var out: [SeriesKey: Rollup] = [:]
    for (id, r) in byID {
      guard let key = try seriesKey(id: id) else { continue }
      out[key] = r
    }
    return out
  }
}
