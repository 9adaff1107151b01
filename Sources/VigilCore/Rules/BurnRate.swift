/// A multi-window, multi-burn-rate SLO alert (the Google SRE workbook's): it holds when, for one
/// of its window pairs, the error budget burns at least `factor` times faster than the objective
/// allows over both the long and the short window. The long window keeps it from firing on a
/// blip; the short one lets it resolve soon after the burn stops.
package struct BurnRate: Sendable, Equatable {
  /// One pair: the long and short windows, and the burn rate both must reach.
  package struct Pair: Sendable, Equatable {
    package var longMs: Int64
    package var shortMs: Int64
    package var factor: Double

    package init(longMs: Int64, shortMs: Int64, factor: Double) {
      self.longMs = longMs
      self.shortMs = shortMs
      self.factor = factor
    }
  }

  /// The SLO's name.
  package var slo: String
  /// The share of logical requests that must end well, as a fraction (99.9% is 0.999).
  package var objective: Double
  /// The period the error budget is counted over.
  package var periodMs: Int64
  package var pairs: [Pair]
  /// Logical requests each window of a pair needs before the pair is judged: a trickle of calls
  /// never pages.
  package var minTotal: Int64
  /// Bad requests the short window needs.
  package var minBad: Int64
  /// A time-to-first-token SLO's threshold (ms): its events are the streamed attempts that
  /// measured a first token, good when it came within this. Nil for an availability SLO.
  package var ttftThresholdMs: Double?

  package init(slo: String, objective: Double, periodMs: Int64, pairs: [Pair], minTotal: Int64, minBad: Int64)
  {
    self.slo = slo
    self.objective = objective
    self.periodMs = periodMs
    self.pairs = pairs
    self.minTotal = minTotal
    self.minBad = minBad
  }

  /// A TTFT SLO's events per series from time-to-first-token histograms: every first token, the
  /// slow ones as bad.
  package static func ttftCounts(_ histograms: [SeriesKey: LatencyHistogram], thresholdMs: Double)
    -> [SeriesKey:
    RequestCounts]
  {
    histograms.mapValues {
      RequestCounts(
        requests: Int64(clamping: $0.count), unavailable: Int64(clamping: $0.count(above: thresholdMs)))
    }
  }

  /// The error budget: the share of requests that may fail.
  package var budget: Double { 1 - objective }

  /// The fastest burn there can be: every request failing.
  package var maxBurn: Double { budget > 0 ? 1 / budget : .infinity }

  /// The burn rate of `counts`: their failure share over the budget, over a window of which
  /// `covered` (0 to 1) holds the series' history.
  package func burn(_ counts: RequestCounts, covered: Double = 1) -> Double? {
    guard counts.inSLI > 0, budget > 0 else { return nil }
    return Double(counts.unavailable) / Double(counts.inSLI) / budget * min(1, max(0, covered))
  }

  /// The window a message's `causes` are counted over: the shortest the pairs use.
  package var causesWindowMs: Int64 { pairs.map(\.shortMs).min() ?? 300_000 }

  /// Every window the pairs use.
  package var windows: [Int64] { Array(Set(pairs.flatMap { [$0.longMs, $0.shortMs] })).sorted() }

  /// Judges a group from its counts per window: whether a pair holds, and the value to report
  /// (the long window's burn of the pair that holds, else the highest long-window burn); `nil`
  /// when no pair has enough requests to judge by.
  ///
  /// `covered` says what share of a window the group's history covers (a provider first seen a
  /// minute ago covers a sixtieth of the hour). Such a window is judged as a full one whose
  /// uncovered part was healthy: its burn scaled by the share. A 5-second blip in a provider's
  /// first minute is then diluted as in a full hour, while a provider failing every call still
  /// pages once its failures fill 1.44% of the long window (52 s of the hour, the workbook's figure).
  ///
  /// A pair holds only while the shortest window of all still burns (``isClean(_:covered:)`` says
  /// no): once the last minutes are clean the page resolves, as the workbook's 1 h & 5 m pair does
  /// about 5 minutes after an outage ends, instead of staying 30 minutes more on the 6 h & 30 m
  /// pair, which still holds the outage's failures. After a resolve the evaluator counts the
  /// windows from it for a while (``releaseMs``), so those failures do not fire it again.
  package func judge(_ counts: (Int64) -> RequestCounts, covered: (Int64) -> Double = { _ in 1 }) -> (
    holds: Bool, value: Double?
  ) {
    var best: Double?
    let shortest = pairs.min { $0.shortMs < $1.shortMs }
    let burning = shortest.map { !isClean(counts($0.shortMs), covered: covered($0.shortMs)) } ?? true
    for b in burns(counts, covered: covered) {
      if burning && b.long >= b.pair.factor && b.short >= b.pair.factor && b.shortBad >= minBad {
        return (true, b.long)
      }
      best = max(best ?? 0, b.long)
    }
    return (false, best)
  }

  /// How long a resolve's release lasts (``AlertState/releasedAtMs``): until the longest window,
  /// which holds the resolved incident's failures the longest, has passed it. A window that reaches
  /// back before the release is judged on its part since then, as a full window whose earlier part
  /// was healthy: a new burn is judged as with clean history, the old one is not judged again.
  package var releaseMs: Int64 { pairs.map(\.longMs).max() ?? 0 }

  /// What keeps the alert from holding, for a resolve's message: the shortest window when it is
  /// clean (what resolves a page, see ``judge(_:covered:)``); else, of the judged pair whose long
  /// window burns fastest (the one that held longest), the window below its factor, the short one
  /// when both are (it falls first), with its burn. `nil` when no pair has enough requests.
  package func release(_ counts: (Int64) -> RequestCounts, covered: (Int64) -> Double = { _ in 1 }) -> (
    windowMs: Int64, burn: Double, factor: Double
  )? {
    if let shortest = pairs.min(by: { $0.shortMs < $1.shortMs }),
      isClean(counts(shortest.shortMs), covered: covered(shortest.shortMs))
    {
      let burn = burn(counts(shortest.shortMs), covered: covered(shortest.shortMs)) ?? 0
      return (shortest.shortMs, burn, shortest.factor)
    }
    let b = burns(counts, covered: covered).max { $0.long < $1.long }
    guard let b else { return nil }
    return b.short < b.pair.factor || b.long >= b.pair.factor
      ? (b.pair.shortMs, b.short, b.pair.factor) : (b.pair.longMs, b.long, b.pair.factor)
  }

  /// The burns of the pairs with enough requests in both windows, in order.
  func burns(_ counts: (Int64) -> RequestCounts, covered: (Int64) -> Double) -> [(
    pair: Pair, long: Double, short: Double, shortBad: Int64
  )] {
    pairs.compactMap { pair in
      let long = counts(pair.longMs)
      let short = counts(pair.shortMs)
      guard long.inSLI >= minTotal, short.inSLI >= minTotal,
        let burnLong = burn(long, covered: covered(pair.longMs)),
        let burnShort = burn(short, covered: covered(pair.shortMs))
      else { return nil }
      return (pair, burnLong, burnShort, short.unavailable)
    }
  }

  /// Whether a window is clean: it burns no faster than the objective allows, and it holds enough
  /// requests to tell (the slowest burn that pages would show in it as `minBad` bad requests). At
  /// 1 call/s five minutes hold 1.8 bad requests of a 6x burn, and a few without one say nothing:
  /// the pairs alone judge such a window, as they did before.
  package func isClean(_ counts: RequestCounts, covered: Double = 1) -> Bool {
    let slowest = pairs.map(\.factor).min() ?? 1
    guard Double(counts.inSLI) * budget * slowest >= Double(minBad) else { return false }
    return (burn(counts, covered: covered) ?? 0) < 1
  }

  /// The SRE workbook's pairs for a 30-day period, scaled to `periodMs` (windows in whole 10 s):
  /// the page (1 h & 5 m at 14.4×, 6 h & 30 m at 6×) and the ticket (1 d & 2 h at 3×, 3 d & 6 h
  /// at 1×).
  package static func workbookPairs(periodMs: Int64, page: Bool) -> [Pair] {
    let scale = Double(periodMs) / Double(30 * 86_400_000)
    func scaled(_ ms: Int64) -> Int64 {
      max(rollupBucketMs, Int64((Double(ms) * scale / Double(rollupBucketMs)).rounded()) * rollupBucketMs)
    }
    let hour: Int64 = 3_600_000
    let minute: Int64 = 60_000
    let spec: [(Int64, Int64, Double)] =
      page
      ? [(hour, 5 * minute, 14.4), (6 * hour, 30 * minute, 6)]
      : [(24 * hour, 2 * hour, 3), (72 * hour, 6 * hour, 1)]
    return spec.map { Pair(longMs: scaled($0.0), shortMs: scaled($0.1), factor: $0.2) }
  }
}
