/// Counters of stored calls since the process started, for `/metrics`: attempts per series,
/// status code and class, logical requests, retries exhausted, tokens, and a latency histogram
/// with fixed bounds (30 s among them, the article's P99 threshold, so `histogram_quantile`
/// and Vigil agree on which side of it a P99 falls).
package struct CallMetrics: Sendable {
  /// Upper bounds of the latency buckets, in seconds (`+Inf` is implied).
  package static let latencyBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 45, 60, 120, 300]

  package struct CodeKey: Hashable, Sendable, Comparable {
    package var status: Int
    package var statusClass: StatusClass

    package static func < (a: CodeKey, b: CodeKey) -> Bool {
      (a.status, a.statusClass.rawValue) < (b.status, b.statusClass.rawValue)
    }
  }

  package struct Series: Sendable {
    package var attempts: [CodeKey: Int64] = [:]
    package var requests: Int64 = 0
    package var exhausted: Int64 = 0
    /// Logical requests that ended unavailable (an availability SLO's bad events).
    package var unavailable: Int64 = 0
    package var promptTokens: Int64 = 0
    package var completionTokens: Int64 = 0
    /// Per bucket (not cumulative); the last is +Inf.
    package var latencyBuckets = [Int64](repeating: 0, count: CallMetrics.latencyBounds.count + 1)
    package var latencySumSeconds: Double = 0
    package var latencyCount: Int64 = 0
    /// The time of the latest call stored (ms), for staleness.
    package var lastCallMs: Int64 = .min
    /// Streamed attempts by how the stream ended (`unknown` when the line does not say), failed
    /// streams by class, and the streams' time to first token and latency (same buckets).
    package var streams: [String: Int64] = [:]
    package var streamFailures: [StatusClass: Int64] = [:]
    package var ttft = Buckets()
    package var streamLatency = Buckets()

    /// Attempts of one class, whatever their status.
    package func count(of statusClass: StatusClass) -> Int64 {
      attempts.reduce(0) { $0 + ($1.key.statusClass == statusClass ? $1.value : 0) }
    }
  }

  package private(set) var series: [SeriesKey: Series] = [:]

  package init() {}

  /// Counts the calls of a batch, one series lookup per rollup slot.
  package mutating func add(_ batch: CallBatch) {
    var slots = [Series](repeating: Series(), count: batch.rollupKeys.count)
    for r in batch.rows {
      var current = slots[Int(r.slot)]
      let status = Int(r.status)
      let statusClass = StatusClass.allCases[Int(r.statusClass)]
      current.attempts[CodeKey(status: status, statusClass: statusClass), default: 0] += 1
      if r.attempt == 1 { current.requests += 1 }
      current.lastCallMs = max(current.lastCallMs, r.timestampMs)
      if r.flags.contains(.exhausted) && StatusClass.exhausts(classIndex: Int(r.statusClass)) {
        current.exhausted += 1
      }
      if Rollup.endsUnavailable(
        classIndex: Int(r.statusClass), attempt: Int(r.attempt), maxAttempts: Int(r.maxAttempts),
        exhausted: r.flags.contains(.exhausted))
      {
        current.unavailable += 1
      }
      current.promptTokens.addSaturating(r.promptTokens)
      current.completionTokens.addSaturating(r.completionTokens)
      if r.flags.contains(.latency) {
        let s = r.latencyMs / 1000
        var i = 0
        while i < Self.latencyBounds.count && s > Self.latencyBounds[i] { i += 1 }
        current.latencyBuckets[i] += 1
        current.latencySumSeconds += s
        current.latencyCount += 1
      }
      if r.isStream || r.flags.contains(.ttft) { current.addStream(r) }
      slots[Int(r.slot)] = current
    }
    for (key, counted) in zip(batch.rollupKeys, slots) where !counted.attempts.isEmpty {
      series[key.series, default: Series()].merge(counted)
    }
  }
}
extension CallMetrics {
  /// Counts per fixed latency bucket (``latencyBounds``, the last +Inf), with their sum and count.
  package struct Buckets: Sendable {
    package var counts = [Int64](repeating: 0, count: CallMetrics.latencyBounds.count + 1)
    package var sumSeconds: Double = 0
    package var count: Int64 = 0

    mutating func record(ms: Double) {
      let s = ms / 1000
      var i = 0
      while i < CallMetrics.latencyBounds.count && s > CallMetrics.latencyBounds[i] { i += 1 }
      counts[i] += 1
      sumSeconds += s
      count += 1
    }

    mutating func merge(_ other: Buckets) {
      for i in counts.indices { counts[i] += other.counts[i] }
      sumSeconds += other.sumSeconds
      count += other.count
    }
  }
}

extension CallMetrics.Series {
  /// A streamed attempt, or one that reported its first token.
  mutating func addStream(_ r: CallRow) {
    if r.flags.contains(.ttft) { ttft.record(ms: r.ttftMs) }
    guard r.isStream else { return }
    streams[StreamOutcome(code: r.streamOutcome)?.rawValue ?? "unknown", default: 0] += 1
    if r.flags.contains(.latency) { streamLatency.record(ms: r.latencyMs) }
    if r.isFailedStream { streamFailures[StatusClass.allCases[Int(r.statusClass)], default: 0] += 1 }
  }

  mutating func merge(_ other: Self) {
    for (k, v) in other.streams { streams[k, default: 0] += v }
    for (k, v) in other.streamFailures { streamFailures[k, default: 0] += v }
    ttft.merge(other.ttft)
    streamLatency.merge(other.streamLatency)
    for (k, v) in other.attempts { attempts[k, default: 0] += v }
    requests += other.requests
    exhausted += other.exhausted
    unavailable += other.unavailable
    promptTokens.addSaturating(other.promptTokens)
    completionTokens.addSaturating(other.completionTokens)
    for i in latencyBuckets.indices { latencyBuckets[i] += other.latencyBuckets[i] }
    latencySumSeconds += other.latencySumSeconds
    latencyCount += other.latencyCount
    lastCallMs = max(lastCallMs, other.lastCallMs)
  }
}
