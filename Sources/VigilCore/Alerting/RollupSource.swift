/// One stored rollup: a bucket of one series.
package struct RollupRow: Sendable {
  /// The row as a rate-limit row: its fits alone, the observations as attempts; nil without any.
  package static func rateLimits(of row: RollupRow) -> RollupRow? {
    guard !row.rollup.rateLimits.isEmpty else { return nil }
    var r = Rollup()
    r.rateLimits = row.rollup.rateLimits
    r.attempts = max(r.rateLimits.requests.n, r.rateLimits.tokens.n)
    return RollupRow(bucketMs: row.bucketMs, series: row.series, rollup: r)
  }

  package var bucketMs: Int64
  package var series: SeriesKey
  package var rollup: Rollup

  package init(bucketMs: Int64, series: SeriesKey, rollup: Rollup) {
    self.bucketMs = bucketMs
    self.series = series
    self.rollup = rollup
  }
}
/// Where the evaluator reads data: rollups per bucket and series.
package protocol RollupSource {
  /// Rollups of the buckets that start in `[fromMs, toMs)`, one row per bucket and series. Latency
  /// histograms are only needed (and decoded) when `latency` is true.
  func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow]

  /// Latency histograms merged per series over `[start, toMs)`, for each of `starts`. A source
  /// can add stored histograms straight into these, without one histogram per bucket between.
  func latencyWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: LatencyHistogram]]

  /// The same for any histogram of the rollups (time to first token, streamed latency).
  func histogramWindows(_ histogram: RollupHistogram, starts: [Int64], toMs: Int64) throws -> [Int64:
    [SeriesKey:
    LatencyHistogram]]

  /// Logical requests and unavailable ones per series over `[start, toMs)` for each of `starts`:
  /// what SLOs count, over windows of minutes to days.
  func requestCounts(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: RequestCounts]]

  /// What each source (a log file, the UDP listener) delivered in `[fromMs, toMs)`: calls and
  /// the time of the last one, by call time. Sources a store does not track: none.
  func sourceActivity(fromMs: Int64, toMs: Int64) throws -> [SourceActivity]

  /// Per series over `[fromMs, toMs)`: the logical requests and the end of the last 10 s bucket
  /// in which one started. What "time since the last call" reads, over windows of an hour and
  /// more: a store answers from its minute tier, not from every bucket.
  func requestActivity(fromMs: Int64, toMs: Int64) throws -> [SeriesKey: RequestActivity]

  /// Per series, the start of the first bucket of `[fromMs, toMs)` (or of its minute, for a store
  /// reading its minute tier) that holds a logical request: how much of an SLO window a series'
  /// history covers.
  func firstRequests(fromMs: Int64, toMs: Int64) throws -> [SeriesKey: Int64]

  /// The buckets of `[fromMs, toMs)` whose calls carried rate-limit headers, each with its fits and
  /// as attempts the observations (the floor `min_requests` holds a forecast to).
  func rateLimitRows(fromMs: Int64, toMs: Int64) throws -> [RollupRow]

  /// Rollups of the buckets that start in `[fromMs, toMs)`, merged per series (a store sums them
  /// by series id, without a row per bucket between).
  func rollups(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [SeriesKey: Rollup]

  /// Per series, the rollups of `[start, toMs)` summed for each of `starts` (``SeriesWindow``):
  /// what every rule of rows reads, each window summed once. A store answers from what it keeps
  /// of its recent rows, without a row per bucket and series between.
  func seriesWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: SeriesWindow]]

  /// Runs `body`, whose reads then see one state of the source (a store: one read transaction).
  func consistently<T>(_ body: () throws -> T) throws -> T
}

/// Logical requests of a series in a stretch of time, and when the last one was.
package struct RequestActivity: Sendable, Equatable {
  package var requests: Int64
  /// The end of the last 10 s bucket in the stretch in which a request started.
  package var lastRequestEndMs: Int64

  package init(requests: Int64, lastRequestEndMs: Int64) {
    self.requests = requests
    self.lastRequestEndMs = lastRequestEndMs
  }
}

/// Calls from one source in a stretch of time.
package struct SourceActivity: Sendable, Equatable {
  /// The source's name as stored (`/var/log/app.jsonl.1`, `udp:127.0.0.1:9515`).
  package var source: String
  package var calls: Int64
  /// The time of its last call in the stretch.
  package var lastCallMs: Int64

  package init(source: String, calls: Int64, lastCallMs: Int64) {
    self.source = source
    self.calls = calls
    self.lastCallMs = lastCallMs
  }

  /// Activity by source family (a log and its rotated copies are one source; see
  /// ``SourceName/family(_:)``): calls summed, the last call the latest.
  package static func byFamily(_ activity: [SourceActivity]) -> [String: SourceActivity] {
    var out: [String: SourceActivity] = [:]
    for a in activity {
      let family = SourceName.family(a.source)
      var f = out[family] ?? SourceActivity(source: family, calls: 0, lastCallMs: .min)
      f.calls.addSaturating(a.calls)
      f.lastCallMs = max(f.lastCallMs, a.lastCallMs)
      out[family] = f
    }
    return out
  }
}
extension RollupSource {
  package func sourceActivity(fromMs: Int64, toMs: Int64) throws -> [SourceActivity] { [] }

  package func rateLimitRows(fromMs: Int64, toMs: Int64) throws -> [RollupRow] {
    try rollupRows(fromMs: fromMs, toMs: toMs, latency: false).compactMap { RollupRow.rateLimits(of: $0) }
  }

  package func consistently<T>(_ body: () throws -> T) throws -> T { try body() }

  package func requestActivity(fromMs: Int64, toMs: Int64) throws -> [SeriesKey: RequestActivity] {
    var out: [SeriesKey: RequestActivity] = [:]
    for row in try rollupRows(fromMs: fromMs, toMs: toMs, latency: false) where row.rollup.requests > 0 {
      var a = out[row.series] ?? RequestActivity(requests: 0, lastRequestEndMs: .min)
      a.requests.addSaturating(row.rollup.requests)
      a.lastRequestEndMs = max(a.lastRequestEndMs, row.bucketMs + rollupBucketMs)
      out[row.series] = a
    }
    return out
  }

  package func firstRequests(fromMs: Int64, toMs: Int64) throws -> [SeriesKey: Int64] {
    var out: [SeriesKey: Int64] = [:]
    for row in try rollupRows(fromMs: fromMs, toMs: toMs, latency: false) where row.rollup.requests > 0 {
      out[row.series] = min(out[row.series] ?? .max, row.bucketMs)
    }
    return out
  }

  package func requestCounts(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: RequestCounts]] {
    guard let earliest = starts.min() else { return [:] }
    let starts = Set(starts)  // a window asked for twice is counted once
    var out: [Int64: [SeriesKey: RequestCounts]] = [:]
    for row in try rollupRows(fromMs: earliest, toMs: toMs, latency: false) {
      for start in starts where row.bucketMs >= start {
        out[start, default: [:]][row.series, default: RequestCounts()].add(row.rollup)
      }
    }
    return out
  }

  package func latencyWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: LatencyHistogram]] {
    try histogramWindows(.latency, starts: starts, toMs: toMs)
  }

  package func histogramWindows(_ histogram: RollupHistogram, starts: [Int64], toMs: Int64) throws -> [Int64:
    [SeriesKey: LatencyHistogram]]
  {
    guard let earliest = starts.min() else { return [:] }
    let starts = Set(starts)  // a window asked for twice is counted once
    var out: [Int64: [SeriesKey: LatencyHistogram]] = [:]
    for row in try rollupRows(fromMs: earliest, toMs: toMs, latency: true) {
      for start in starts where row.bucketMs >= start {
        out[start, default: [:]][row.series, default: LatencyHistogram()].merge(histogram.of(row.rollup))
      }
    }
    return out
  }

  /// Rollups of the buckets that start in `[fromMs, toMs)`, merged per series.
  package func rollups(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [SeriesKey: Rollup] {
    var out: [SeriesKey: Rollup] = [:]
    for row in try rollupRows(fromMs: fromMs, toMs: toMs, latency: latency) {
      out[row.series, default: Rollup()].merge(row.rollup, latency: latency)
    }
    return out
  }
}
