package import VigilCore

/// The counters Vigil pushes, per series, cumulative since the sender first pushed to its
/// receiver: the names and labels of `/metrics` (counters, histograms as classic buckets),
/// computed from the stored rollups rather than from this process's memory. They are kept with
/// the last acknowledged time (``RemoteWriteProgress``), so a restart or an outage continues them
/// where they were: no reset, no hole.
package struct RemoteWriteTotals: Sendable, Equatable, Codable {
  package struct Series: Sendable, Equatable, Codable {
    /// Attempts by "code/class".
    package var attempts: [String: Double] = [:]
    package var requests: Double = 0
    package var exhausted: Double = 0
    package var unavailable: Double = 0
    package var cancelled: Double = 0
    package var promptTokens: Double = 0
    package var completionTokens: Double = 0
    package var latency = ClassicBuckets()
    package var ttft = ClassicBuckets()
    package var streamLatency = ClassicBuckets()
    /// Streamed attempts: `completed` and `failed` (rollups keep failures, not every outcome).
    package var streams: [String: Double] = [:]
    package var streamFailures: [String: Double] = [:]
    /// The end of the latest 10-second bucket with calls (rollups keep no exact call time).
    package var lastCallMs: Int64?

    /// Adds `other`'s counts, or takes them away (`sign` -1: a bucket counted before and read
    /// again with more calls is added as the difference).
    package mutating func add(_ other: Series, sign: Double = 1) {
      for (k, v) in other.attempts { attempts[k, default: 0] += sign * v }
      requests += sign * other.requests
      exhausted += sign * other.exhausted
      unavailable += sign * other.unavailable
      cancelled += sign * other.cancelled
      promptTokens += sign * other.promptTokens
      completionTokens += sign * other.completionTokens
      latency.add(other.latency, sign: sign)
      ttft.add(other.ttft, sign: sign)
      streamLatency.add(other.streamLatency, sign: sign)
      for (k, v) in other.streams { streams[k, default: 0] += sign * v }
      for (k, v) in other.streamFailures { streamFailures[k, default: 0] += sign * v }
      if let last = other.lastCallMs { lastCallMs = max(lastCallMs ?? .min, last) }
    }
  }

  /// Keyed by the series' five dimensions joined with U+001F (which no dimension holds).
  package var series: [String: Series] = [:]

  package init() {}

  static func key(_ s: SeriesKey) -> String {
    [s.provider, s.model, s.app, s.env, s.endpoint].joined(separator: "\u{1F}")
  }

  /// Adds one rollup row (its bucket ends before the step it is counted at).
  package mutating func add(_ row: RollupRow) {
    guard let c = Self.contribution(row) else { return }
    series[Self.key(row.series), default: Series()].add(c)
  }

  /// What one rollup row adds to its series; nil when it holds no calls.
  package static func contribution(_ row: RollupRow) -> Series? {
    let r = row.rollup
    guard r.attempts > 0 || r.streams > 0 || r.ttft.count > 0 else { return nil }
    var s = Series()
    for (code, c, n) in Self.jointCounts(codes: r.codes, classes: r.classes) {
      s.attempts["\(code)/\(StatusClass.allCases[c].rawValue)", default: 0] += Double(n)
    }
    s.requests = Double(r.requests)
    s.exhausted = Double(r.exhausted)
    s.unavailable = Double(r.unavailable)
    s.cancelled = Double(r.count(of: .cancelled))
    s.promptTokens = Double(r.promptTokens)
    s.completionTokens = Double(r.completionTokens)
    s.latency.add(r.latency, sumMs: r.latencySumMs)
    s.ttft.add(r.ttft, sumMs: nil)
    s.streamLatency.add(r.streamLatency, sumMs: nil)
    if r.streams > 0 {
      s.streams["completed", default: 0] += Double(r.streams - r.streamFailures)
      s.streams["failed", default: 0] += Double(r.streamFailures)
      for (c, n) in r.streamFailureClasses.sorted where c < StatusClass.allCases.count {
        s.streamFailures[StatusClass.allCases[c].rawValue, default: 0] += Double(n)
      }
    }
    if r.attempts > 0 { s.lastCallMs = row.bucketMs + rollupBucketMs }
    return s
  }

  /// Attempts by (status code, class index), from a rollup's counts per code and per class
  /// (rollups keep both, not their pairs): each class goes to the codes it can have (a quota
  /// refusal to a 4xx, a failed stream to a 2xx, a cancelled call to a 0 or 4xx), the codes with
  /// the fewest other classes open first. Exact whenever
  /// the codes and classes of a bucket and series pair up one way, as they nearly always do; the
  /// totals per code and per class are exact always.
  package static func jointCounts(codes: StatusCounts, classes: InlineArray<9, Int64>) -> [(Int, Int, Int64)]
  {
    var leftByClass = [Int64](repeating: 0, count: classes.count)
    for i in classes.indices { leftByClass[i] = classes[i] }
    var codesLeft = codes.sorted.map { (status: $0.status, left: $0.count) }
    var out: [(Int, Int, Int64)] = []
    func take(_ i: Int, _ c: Int) {
      let n = min(codesLeft[i].left, leftByClass[c])
      guard n > 0 else { return }
      out.append((codesLeft[i].status, c, n))
      codesLeft[i].left -= n
      leftByClass[c] -= n
    }
    // The classes with the fewest codes they can have go first (a quota refusal can only be the
    // 4xx, a failed stream also the 200); within a class, the codes it is the usual class of first.
    let present = codesLeft.map(\.status)
    let order = leftByClass.indices.filter { leftByClass[$0] > 0 }.sorted { a, b in
      let na = present.filter { canHave(status: $0, classIndex: a) }.count
      let nb = present.filter { canHave(status: $0, classIndex: b) }.count
      return (na, a) < (nb, b)
    }
    for c in order {
      // Codes with the fewest other classes still open first, then those this class is usual for.
      let fits = codesLeft.indices.filter { canHave(status: codesLeft[$0].status, classIndex: c) }
        .map { i in
          let open = order.filter {
            leftByClass[$0] > 0 && canHave(status: codesLeft[i].status, classIndex: $0)
          }
          return (i, open.count, StatusClass(status: codesLeft[i].status, quota: false).index == c ? 0 : 1)
        }
        .sorted { ($0.1, $0.2, $0.0) < ($1.1, $1.2, $1.0) }
      for (i, _, _) in fits { take(i, c) }
    }
    for c in order where leftByClass[c] > 0 {
      for i in codesLeft.indices { take(i, c) }
    }
    // Merge pairs taken twice.
    var merged: [(Int, Int, Int64)] = []
    for p in out {
      if let j = merged.firstIndex(where: { $0.0 == p.0 && $0.1 == p.1 }) {
        merged[j].2 += p.2
      } else {
        merged.append(p)
      }
    }
    return merged
  }

  /// Whether a call with this status can be of this class (a failed stream's 2xx, a 4xx's
  /// signals, a 0 the caller cancelled).
  static func canHave(status: Int, classIndex: Int) -> Bool {
    switch StatusClass.allCases[classIndex] {
    case .success: (200..<400).contains(status)
    case .quota, .contextLength: (400..<500).contains(status)
    case .contentFilter: (200..<300).contains(status) || (400..<500).contains(status)
    case .cancelled: status == 0 || (400..<500).contains(status)
    case .client: (400..<500).contains(status)
    // A failure on the provider's side: its usual codes, or a 2xx whose stream failed.
    case .capacity: [429, 498, 503, 529].contains(status) || (200..<300).contains(status)
    case .server: status == 424 || (500..<600).contains(status) || (200..<300).contains(status)
    case .network: status == 0 || status == 408 || (200..<300).contains(status)
    }
  }
}
