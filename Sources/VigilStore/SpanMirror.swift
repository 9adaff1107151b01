/// Rows of one time grid (10 s buckets, minutes or hours), read from the store once and kept
/// between evaluations: stretches `[low, high)` of whole units, with the rows of each unit that
/// has any. Each window an evaluation reads (its recent part, and the far edge of a long window
/// that does not start on a minute) is a stretch that moves on by a bucket or two every 15 s:
/// what a read asks beyond a stretch is read and joined to it; what the store changed since is
/// dropped (``invalidate(from:)``) and read again when next asked; units and stretches that the
/// last round of reads did not ask for are let go (``evict()``).
struct SpanMirror<Row> {
  let unitMs: Int64
  /// The widest stretch kept: its newest part.
  let maxSpanMs: Int64
  private var stretches: [Stretch] = []

  struct Stretch {
    var low: Int64
    var high: Int64
    var units: [Int64: [Row]] = [:]
    /// The earliest start asked for since the last ``SpanMirror/evict()`` (`.max`: not asked).
    var lowestAsked: Int64 = .max
  }

  /// Stretches kept at most: a few more than the windows of the shipped rules read.
  static var maxStretches: Int { 8 }

  init(unitMs: Int64, maxSpanMs: Int64) {
    self.unitMs = unitMs
    self.maxSpanMs = maxSpanMs
  }

  /// The first unit start at or after `ms` (units start at multiples of `unitMs`).
  func unit(atOrAfter ms: Int64) -> Int64 {
    let floor = ms >= 0 ? ms / unitMs * unitMs : -((-ms + unitMs - 1) / unitMs) * unitMs
    return floor == ms ? ms : floor + unitMs
  }

  /// The rows of each unit that starts in `[from, to)`, in unit order, read with `load` (rows of
  /// `[a, b)` as (unit start, row), all of them) where no stretch holds them yet.
  mutating func rows<E: Error>(
    from: Int64, to: Int64, load: (Int64, Int64) throws(E) -> [(Int64, Row)]
  ) throws(E) -> [(unit: Int64, rows: [Row])] {
    let from = unit(atOrAfter: from)
    let to = unit(atOrAfter: to)
    guard from < to else { return [] }
    var i: Int
    if let found = stretches.firstIndex(where: { from <= $0.high && to >= $0.low }) {
      i = found
      if from < stretches[i].low {
        Self.add(try load(from, stretches[i].low), to: &stretches[i])
        stretches[i].low = from
      }
      if to > stretches[i].high {
        Self.add(try load(stretches[i].high, to), to: &stretches[i])
        stretches[i].high = to
      }
    } else {
      var s = Stretch(low: from, high: to)
      Self.add(try load(from, to), to: &s)
      if stretches.count >= Self.maxStretches {
        // The one asked for least recently (the earliest in the list) makes room.
        stretches.removeFirst()
      }
      stretches.append(s)
      i = stretches.count - 1
    }
    stretches[i].lowestAsked = min(stretches[i].lowestAsked, from)
    var out: [(unit: Int64, rows: [Row])] = []
    if (to - from) / unitMs > Int64(stretches[i].units.count) {
      // A window longer than the units held (a rule's window may be a century): by the units.
      for u in stretches[i].units.keys.sorted() where u >= from && u < to {
        out.append((u, stretches[i].units[u]!))
      }
    } else {
      var u = from
      while u < to {
        if let r = stretches[i].units[u] { out.append((u, r)) }
        u += unitMs
      }
    }
    if stretches[i].high - stretches[i].low > maxSpanMs {
      let keep = unit(atOrAfter: stretches[i].high - maxSpanMs)
      for u in stretches[i].units.keys where u < keep { stretches[i].units[u] = nil }
      stretches[i].low = keep
    }
    // Two stretches that now meet are one.
    if let j = stretches.indices.first(where: {
      $0 != i && stretches[$0].low <= stretches[i].high && stretches[$0].high >= stretches[i].low
    }) {
      var merged = stretches[i]
      merged.units.merge(stretches[j].units) { mine, _ in mine }
      merged.low = min(merged.low, stretches[j].low)
      merged.high = max(merged.high, stretches[j].high)
      merged.lowestAsked = min(merged.lowestAsked, stretches[j].lowestAsked)
      stretches.remove(at: max(i, j))
      stretches.remove(at: min(i, j))
      stretches.append(merged)
    } else {
      let s = stretches.remove(at: i)
      stretches.append(s)
    }
    return out
  }

  private static func add(_ rows: [(Int64, Row)], to s: inout Stretch) {
    for (u, row) in rows { s.units[u, default: []].append(row) }
  }

  /// The store changed rows of the unit that holds `bucketMs` or later ones (`.min`: anything).
  mutating func invalidate(from bucketMs: Int64) {
    let start = bucketMs == .min ? Int64.min : unit(atOrAfter: bucketMs + 1) - unitMs
    stretches = stretches.compactMap { s in
      guard start < s.high else { return s }
      guard start > s.low else { return nil }
      var s = s
      s.high = start
      for u in s.units.keys where u >= start { s.units[u] = nil }
      return s
    }
  }

  /// Lets go of the stretches not asked for since the last call, and of the units before the
  /// earliest start asked for in the others.
  mutating func evict() {
    stretches = stretches.compactMap { s in
      guard s.lowestAsked != .max, s.lowestAsked < s.high else { return nil }
      var s = s
      if s.lowestAsked > s.low {
        for u in s.units.keys where u < s.lowestAsked { s.units[u] = nil }
        s.low = s.lowestAsked
      }
      s.lowestAsked = .max
      return s
    }
  }
}
