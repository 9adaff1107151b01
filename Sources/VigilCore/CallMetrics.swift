/// Counters of stored calls since the process started, for `/metrics`: attempts per series,
/// status code and class, logical requests, retries exhausted, tokens, and a latency histogram
/// with fixed bounds (30 s among them, the article's P99 threshold, so `histogram_quantile`
/// and Vigil agree on which side of it a P99 falls).
public struct CallMetrics: Sendable {
  /// Upper bounds of the latency buckets, in seconds (`+Inf` is implied).
  public static let latencyBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 45, 60, 120, 300]

  public struct CodeKey: Hashable, Sendable, Comparable {
    public var status: Int
    public var statusClass: StatusClass

    public static func < (a: CodeKey, b: CodeKey) -> Bool {
      (a.status, a.statusClass.rawValue) < (b.status, b.statusClass.rawValue)
    }
  }

  public struct Series: Sendable {
    public var attempts: [CodeKey: Int64] = [:]
    public var requests: Int64 = 0
    public var exhausted: Int64 = 0
    public var promptTokens: Int64 = 0
    public var completionTokens: Int64 = 0
    /// Per bucket (not cumulative); the last is +Inf.
    public var latencyBuckets = [Int64](repeating: 0, count: CallMetrics.latencyBounds.count + 1)
    public var latencySumSeconds: Double = 0
    public var latencyCount: Int64 = 0
  }

  public private(set) var series: [SeriesKey: Series] = [:]

  public init() {}

  public mutating func add(_ records: [CallRecord]) {
    var lastKey: SeriesKey?
    var current = Series()
    for r in records {
      let key = r.series
      if key != lastKey {
        if let lastKey { series[lastKey] = current }
        current = series[key] ?? Series()
        lastKey = key
      }
      current.attempts[CodeKey(status: r.status, statusClass: r.statusClass), default: 0] += 1
      if r.attempt == 1 { current.requests += 1 }
      if r.retriesExhausted { current.exhausted += 1 }
      current.promptTokens += r.promptTokens ?? 0
      current.completionTokens += r.completionTokens ?? 0
      if let ms = r.latencyMs {
        let s = ms / 1000
        var i = 0
        while i < Self.latencyBounds.count && s > Self.latencyBounds[i] { i += 1 }
        current.latencyBuckets[i] += 1
        current.latencySumSeconds += s
        current.latencyCount += 1
      }
    }
    if let lastKey { series[lastKey] = current }
  }
}
