/// Rollups kept in memory: the evaluator reads windows from here as it does from the store.
/// Backtests fill it from call logs, rule tests from described traffic.
package final class InMemoryRollups: RollupSource {
  /// Per bucket start, per series.
  package private(set) var buckets: [Int64: [SeriesKey: Rollup]] = [:]
  /// What each write delivered, per source: its calls and their time range, ordered by first
  /// call, so that a window's activity is found by search, not by reading a week of writes.
  var writes: [String: SourceWrites] = [:]

  struct SourceWrites {
    var items: [(calls: Int64, firstMs: Int64, lastMs: Int64)] = []
    /// The longest time range of one write: how far before a window a write may still reach it.
    var longestMs: Int64 = 0
  }

  /// The buckets in order, with running sums per series: built on the first question after a
  /// change (``RollupIndex``), so that each step of a week's replay reads its windows by binary
  /// search instead of a pass over every bucket.
  var indexed: RollupIndex?

  package init() {}

  /// Counts one call.
  package func add(_ record: CallRecord) {
    buckets[RollupKey.bucket(of: record.timestampMs), default: [:]][record.series, default: Rollup()].add(
      record)
    indexed = nil
  }

  /// Adds a rollup of one bucket and series (a batch's).
  package func merge(_ rollup: Rollup, at key: RollupKey) {
    buckets[key.bucketMs, default: [:]][key.series, default: Rollup()].merge(rollup)
    indexed = nil
  }

  var index: RollupIndex {
    if let indexed { return indexed }
    let built = RollupIndex(buckets)
    indexed = built
    return built
  }

  package func firstRequests(fromMs: Int64, toMs: Int64) throws -> [SeriesKey: Int64] {
    index.firstRequests(fromMs: fromMs, toMs: toMs)
  }

  package func requestCounts(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: RequestCounts]] {
    index.requestCounts(starts: starts, toMs: toMs)
  }

  package func requestActivity(fromMs: Int64, toMs: Int64) throws -> [SeriesKey: RequestActivity] {
    index.requestActivity(fromMs: fromMs, toMs: toMs)
  }

  package func rateLimitRows(fromMs: Int64, toMs: Int64) throws -> [RollupRow] {
    index.rateLimitRows(fromMs: fromMs, toMs: toMs)
  }

  /// Records a write of `calls` calls from `source` between `firstMs` and `lastMs`, for
  /// ``sourceActivity(fromMs:toMs:)``.
  package func noteWrite(source: String, calls: Int64, firstMs: Int64, lastMs: Int64) {
    guard calls > 0 else { return }
    var w = writes.removeValue(forKey: source) ?? SourceWrites()
    // In order, as a log is read, this appends; a write out of order goes where it belongs.
    var at = w.items.count
    while at > 0 && w.items[at - 1].firstMs > firstMs { at -= 1 }
    w.items.insert((calls, firstMs, lastMs), at: at)
    w.longestMs = max(w.longestMs, lastMs - firstMs)
    writes[source] = w
  }

  package func sourceActivity(fromMs: Int64, toMs: Int64) throws -> [SourceActivity] {
    var out: [SourceActivity] = []
    for (source, w) in writes {
      // The first write that starts at or after the window's end; the ones before it that still
      // reach into the window start no earlier than the longest write before it.
      var lo = 0
      var hi = w.items.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if w.items[mid].firstMs < toMs { lo = mid + 1 } else { hi = mid }
      }
      var a = SourceActivity(source: source, calls: 0, lastCallMs: .min)
      var i = lo - 1
      while i >= 0 && w.items[i].firstMs >= fromMs - w.longestMs {
        let item = w.items[i]
        if item.lastMs >= fromMs {
          a.calls.addSaturating(item.calls)
          a.lastCallMs = max(a.lastCallMs, min(item.lastMs, toMs - 1))
        }
        i -= 1
      }
      if a.calls > 0 { out.append(a) }
    }
    return out
  }

  /// The first and last bucket holding data.
  package var range: (first: Int64, last: Int64)? {
    guard let first = buckets.keys.min(), let last = buckets.keys.max() else { return nil }
    return (first, last)
  }

  /// The buckets holding data, in order.
  package var bucketStarts: [Int64] { buckets.keys.sorted() }

  package func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
    index.rollupRows(fromMs: fromMs, toMs: toMs)
  }
}
