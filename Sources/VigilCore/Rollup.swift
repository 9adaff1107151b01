/// The width of a rollup bucket: 10 seconds of event time.
public let rollupBucketMs: Int64 = 10_000

/// Counts and latencies of the calls of one series in one time bucket (or, merged, a window).
///
/// Everything the alert metrics need is here, so that evaluating a window reads a few rollup rows
/// instead of the raw calls. Rollups merge by addition.
public struct Rollup: Sendable {
  /// Attempts (every line).
  public var attempts: Int64 = 0
  /// Logical requests: lines with `attempt == 1`.
  public var requests: Int64 = 0
  /// Attempts with status >= 400 or 0.
  public var errors: Int64 = 0
  public var status429: Int64 = 0
  public var status5xx: Int64 = 0
  /// 401 and 403.
  public var auth: Int64 = 0
  /// Attempts per ``StatusClass`` (`success` included), indexed by the class's position in `allCases`.
  public var classes = InlineArray<6, Int64>(repeating: 0)
  /// Lines that say the caller gave up.
  public var exhausted: Int64 = 0
  public var latency = LatencyHistogram()
  public var latencySumMs: Double = 0
  public var promptTokens: Int64 = 0
  public var completionTokens: Int64 = 0
  /// Tokens of attempts that failed (what errors cost).
  public var failedTokens: Int64 = 0
  /// Tokens of retries (attempts after the first of a logical request).
  public var retryTokens: Int64 = 0
  /// Attempts per HTTP status code, for reports (read from the store only when asked for).
  public var codes = StatusCounts()

  public init() {}

  /// Counts one call.
  public mutating func add(_ r: CallRecord) {
    add(
      status: r.status, classIndex: r.statusClass.index, attempt: r.attempt, exhausted: r.retriesExhausted,
      latencyMs: r.latencyMs, promptTokens: r.promptTokens ?? 0, completionTokens: r.completionTokens ?? 0)
  }

  /// Counts one call of a batch.
  @inline(__always) public mutating func add(_ r: CallRow) {
    add(
      status: Int(r.status), classIndex: Int(r.statusClass), attempt: Int(r.attempt),
      exhausted: r.flags.contains(.exhausted), latencyMs: r.flags.contains(.latency) ? r.latencyMs : nil,
      promptTokens: r.promptTokens, completionTokens: r.completionTokens)
  }

  @inline(__always) mutating func add(
    status: Int, classIndex: Int, attempt: Int, exhausted wasExhausted: Bool, latencyMs: Double?,
    promptTokens prompt: Int64, completionTokens completion: Int64
  ) {
    attempts += 1
    if attempt == 1 { requests += 1 }
    let isError = StatusClass.isError(status)
    if isError { errors += 1 }
    if status == 429 { status429 += 1 }
    if status >= 500 && status <= 599 { status5xx += 1 }
    if StatusClass.isAuth(status) { auth += 1 }
    classes[classIndex] += 1
    if wasExhausted { exhausted += 1 }
    if let l = latencyMs {
      latency.record(l)
      latencySumMs += l
    }
    // Token counts are input: sums saturate rather than trap (the parser bounds each value).
    let tokens = prompt.saturatingAdding(completion)
    promptTokens.addSaturating(prompt)
    completionTokens.addSaturating(completion)
    if isError { failedTokens.addSaturating(tokens) }
    if attempt > 1 { retryTokens.addSaturating(tokens) }
    codes.add(status)
  }

  /// Adds every count of `other`; the latency histogram only if `latency`.
  public mutating func merge(_ other: Rollup, latency withLatency: Bool = true) {
    attempts.addSaturating(other.attempts)
    requests.addSaturating(other.requests)
    errors.addSaturating(other.errors)
    status429.addSaturating(other.status429)
    status5xx.addSaturating(other.status5xx)
    auth.addSaturating(other.auth)
    for i in 0..<6 { classes[i].addSaturating(other.classes[i]) }
    exhausted.addSaturating(other.exhausted)
    if withLatency { latency.merge(other.latency) }
    latencySumMs += other.latencySumMs
    promptTokens.addSaturating(other.promptTokens)
    completionTokens.addSaturating(other.completionTokens)
    failedTokens.addSaturating(other.failedTokens)
    retryTokens.addSaturating(other.retryTokens)
    if !other.codes.isEmpty { codes.merge(other.codes) }
  }

  /// Attempts of one class.
  public func count(of statusClass: StatusClass) -> Int64 { classes[statusClass.index] }
}

extension StatusClass {
  /// The position of this class in `allCases`, for compact arrays.
  public var index: Int {
    switch self {
    case .success: 0
    case .client: 1
    case .capacity: 2
    case .quota: 3
    case .server: 4
    case .network: 5
    }
  }
}

/// A rollup's key: bucket start (ms, a multiple of ``rollupBucketMs``) and series.
public struct RollupKey: Sendable, Hashable {
  public var bucketMs: Int64
  public var series: SeriesKey

  public init(bucketMs: Int64, series: SeriesKey) {
    self.bucketMs = bucketMs
    self.series = series
  }

  /// The bucket that holds an instant.
  public static func bucket(of ms: Int64) -> Int64 {
    ms >= 0
      ? ms / rollupBucketMs * rollupBucketMs : (ms - rollupBucketMs + 1) / rollupBucketMs * rollupBucketMs
  }
}

extension Rollup: Equatable {
  public static func == (a: Rollup, b: Rollup) -> Bool {
    var sameClasses = true
    for i in 0..<6 where a.classes[i] != b.classes[i] { sameClasses = false }
    return sameClasses && a.attempts == b.attempts && a.requests == b.requests && a.errors == b.errors
      && a.status429 == b.status429 && a.status5xx == b.status5xx && a.auth == b.auth
      && a.exhausted == b.exhausted
      && a.latency == b.latency && a.latencySumMs == b.latencySumMs && a.promptTokens == b.promptTokens
      && a.completionTokens == b.completionTokens && a.failedTokens == b.failedTokens
      && a.retryTokens == b.retryTokens && a.codes == b.codes
  }
}

/// Counts per HTTP status code: a short list searched in order, because a series sees a handful
/// of codes in a bucket. Encoded as pairs of varints (status, count).
public struct StatusCounts: Sendable, Equatable {
  public private(set) var statuses: [Int] = []
  public private(set) var counts: [Int64] = []

  public init() {}

  public var isEmpty: Bool { statuses.isEmpty }

  @inline(__always) public mutating func add(_ status: Int, _ n: Int64 = 1) {
    for i in statuses.indices where statuses[i] == status {
      counts[i].addSaturating(n)
      return
    }
    statuses.append(status)
    counts.append(n)
  }

  public mutating func merge(_ other: StatusCounts) {
    for (s, n) in zip(other.statuses, other.counts) { add(s, n) }
  }

  /// (status, count) pairs, by status.
  public var sorted: [(status: Int, count: Int64)] {
    zip(statuses, counts).map { (status: $0, count: $1) }.sorted { $0.status < $1.status }
  }

  public static func == (a: StatusCounts, b: StatusCounts) -> Bool {
    a.sorted.map(\.status) == b.sorted.map(\.status) && a.sorted.map(\.count) == b.sorted.map(\.count)
  }

  public func encoded() -> [UInt8] {
    var out: [UInt8] = []
    for (s, n) in zip(statuses, counts) {
      Varint.append(UInt64(s), to: &out)
      Varint.append(UInt64(n), to: &out)
    }
    return out
  }

  /// Adds what `bytes` encode; false (adding nothing more) at a malformed entry.
  @discardableResult
  public mutating func merge(encoded bytes: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    while i < bytes.count {
      guard let s = Varint.read(bytes, &i), let n = Varint.read(bytes, &i), s < 1000
      else { return false }
      add(Int(s), Int64(n))
    }
    return true
  }
}
