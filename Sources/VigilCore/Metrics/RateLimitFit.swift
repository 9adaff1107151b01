/// What a window's rate-limit headers say about one limit (requests, or tokens): the lowest
/// remaining count, the limit, how far off its reset is, and a least-squares line through the
/// remaining counts over time, whose slope is the observed burn. Merges by addition, like the
/// rest of a rollup: the sums are kept relative to a reference time, and shifted when merged.
package struct RateLimitFit: Sendable, Equatable {
  /// Observations (calls that reported the remaining count).
  package var n: Int64 = 0
  /// The reference time (ms) the sums are relative to: the first observation's.
  package var refMs: Int64 = 0
  /// Σt, Σv, Σt², Σtv with t in seconds after `refMs` and v the remaining count.
  package var sumT: Double = 0
  package var sumV: Double = 0
  package var sumTT: Double = 0
  package var sumTV: Double = 0
  /// The lowest remaining count seen, and the latest observation's time (ms).
  package var minRemaining: Double = .infinity
  package var lastMs: Int64 = .min
  /// The largest limit reported (0: none), and the longest time to reset reported (s).
  package var limit: Double = 0
  package var maxResetS: Double = 0

  package init() {}

  package var isEmpty: Bool { n == 0 }

  /// Counts one call's headers: `remaining` at `atMs`, with the limit and reset when it said.
  package mutating func add(remaining: Double, atMs: Int64, limit l: Double?, resetS: Double?) {
    if n == 0 { refMs = atMs }
    let t = (Double(atMs) - Double(refMs)) / 1000
    n.addSaturating(1)
    sumT += t
    sumV += remaining
    sumTT += t * t
    sumTV += t * remaining
    minRemaining = min(minRemaining, remaining)
    lastMs = max(lastMs, atMs)
    if let l { limit = max(limit, l) }
    if let resetS { maxResetS = max(maxResetS, resetS) }
  }

  /// Adds `other`'s observations, its sums moved to this reference time.
  package mutating func merge(_ other: RateLimitFit) {
    guard other.n > 0 else { return }
    guard n > 0 else {
      self = other
      return
    }
    let d = (Double(other.refMs) - Double(refMs)) / 1000
    let k = Double(other.n)
    sumTT += other.sumTT + 2 * d * other.sumT + k * d * d
    sumTV += other.sumTV + d * other.sumV
    sumT += other.sumT + k * d
    sumV += other.sumV
    n.addSaturating(other.n)
    minRemaining = min(minRemaining, other.minRemaining)
    lastMs = max(lastMs, other.lastMs)
    limit = max(limit, other.limit)
    maxResetS = max(maxResetS, other.maxResetS)
  }

  /// The observed burn: how fast the remaining count falls, per second (positive when falling);
  /// nil with fewer than `minObservations` or no spread in time.
  package func burnPerSecond(minObservations: Int64 = 10) -> Double? {
    guard n >= minObservations else { return nil }
    let k = Double(n)
    let spread = k * sumTT - sumT * sumT
    guard spread > 1e-9 * k * k else { return nil }
    return -(k * sumTV - sumT * sumV) / spread
  }

  /// Seconds until the remaining count reaches zero at the observed burn, from `atMs`: the fitted
  /// line's value at `atMs` (never above the lowest count seen) over the burn. nil when the count
  /// is not falling, or falls so slowly that the time is beyond any number (a count near 2^63
  /// falling by one a century); 0 once it is at zero.
  package func secondsToExhaustion(atMs: Int64) -> Double? {
    guard let burn = burnPerSecond(), burn > 0 else { return minRemaining <= 0 && n > 0 ? 0 : nil }
    let k = Double(n)
    let slope = -burn
    let intercept = (sumV - slope * sumT) / k
    let now = intercept + slope * (Double(atMs) - Double(refMs)) / 1000
    let seconds = max(0, min(now, minRemaining)) / burn
    return seconds.isFinite ? seconds : nil
  }

  /// How much of the limit is in use at the worst moment: 1 − lowest remaining / limit.
  package var utilisation: Double? {
    guard n > 0, limit > 0 else { return nil }
    return min(1, max(0, 1 - minRemaining / limit))
  }

  /// Whether the limit resets over hours (a daily quota, as Groq's requests per day) rather than
  /// within the hour (a per-minute rate limit).
  package var isLongHorizon: Bool { maxResetS > 3600 }

  /// How many seconds the observations span, from their spread in time (observations spread
  /// evenly over S seconds have a variance of S²/12), whatever order the fit was merged in.
  package var spanS: Double {
    guard n >= 2 else { return 0 }
    let k = Double(n)
    return max(0, 12 * (sumTT / k - (sumT / k) * (sumT / k))).squareRoot()
  }

  /// Whether the observations span a whole reset period of a limit that resets within the hour:
  /// in its first period a limiter's count falls by its own window filling (a per-minute count
  /// that resets every minute falls all through the first minute of traffic, whatever the trend),
  /// which forecasts nothing. A daily quota is forecast from what there is.
  package var spansResetPeriod: Bool { isLongHorizon || spanS >= maxResetS }

  // MARK: Storage

  /// The fit as 10 little-endian 8-byte values.
  package func encoded(into out: inout [UInt8]) {
    for v in [
      Double(n), Double(refMs), sumT, sumV, sumTT, sumTV, minRemaining, Double(lastMs), limit, maxResetS,
    ] {
      withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }
  }

  static let encodedCount = 80

  package init?(encoded b: some Collection<UInt8>) {
    guard b.count == Self.encodedCount else { return nil }
    let bytes = Array(b)
    func v(_ i: Int) -> Double {
      var bits: UInt64 = 0
      for j in 0..<8 { bits |= UInt64(bytes[i * 8 + j]) << (8 * UInt64(j)) }
      return Double(bitPattern: bits)
    }
    guard v(0).isFinite, v(0) >= 0, v(0) < 9e18, v(1).isFinite, abs(v(1)) < 9e18, abs(v(7)) <= 9.3e18 else {
      return nil
    }
    n = Int64(v(0))
    refMs = Int64(v(1))
    sumT = v(2)
    sumV = v(3)
    sumTT = v(4)
    sumTV = v(5)
    minRemaining = v(6)
    lastMs = v(7) <= -9.2e18 ? .min : Int64(v(7))
    limit = v(8)
    maxResetS = v(9)
  }
}

/// The rate-limit fits of a rollup: requests and tokens.
package struct RateLimits: Sendable, Equatable {
  package var requests = RateLimitFit()
  package var tokens = RateLimitFit()

  package init() {}

  package var isEmpty: Bool { requests.isEmpty && tokens.isEmpty }

  package mutating func merge(_ other: RateLimits) {
    requests.merge(other.requests)
    tokens.merge(other.tokens)
  }

  /// Both fits as one blob (nil when empty: most rollups have no rate-limit headers).
  package func encoded() -> [UInt8]? {
    guard !isEmpty else { return nil }
    var out: [UInt8] = []
    requests.encoded(into: &out)
    tokens.encoded(into: &out)
    return out
  }

  package init?(encoded b: some Collection<UInt8>) {
    let bytes = Array(b)
    guard bytes.count == 2 * RateLimitFit.encodedCount,
      let r = RateLimitFit(encoded: bytes[0..<RateLimitFit.encodedCount]),
      let t = RateLimitFit(encoded: bytes[RateLimitFit.encodedCount...])
    else { return nil }
    requests = r
    tokens = t
  }
}
