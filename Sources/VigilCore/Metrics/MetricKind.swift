/// What a rule measures over a window of rollups.
package enum MetricKind: Sendable, Equatable, Hashable {
  /// Attempts with status >= 400 or 0, over attempts.
  case errorRate
  /// 429s over attempts.
  case rate429
  /// Statuses 500-599 over attempts.
  case rate5xx
  /// Lines with `retries_exhausted` over logical requests.
  case retryExhaustionRate
  /// 401 and 403 over attempts.
  case authFailureRate
  /// Attempts of one class over attempts (`quota` apart from `capacity`, say).
  case classRate(StatusClass)
  /// A latency percentile in milliseconds; `p99_latency` is `latencyQuantile(0.99)`.
  case latencyQuantile(Double)
  /// Attempts (every line): `request_count < 1` says traffic stopped.
  case requestCount
  /// Logical requests (lines with `attempt == 1`).
  case logicalRequestCount
  case errorCount
  /// 401 and 403 responses.
  case authFailures
  case classCount(StatusClass)
  /// Milliseconds since the group's last call, for groups with at least `min_requests` calls in
  /// the window: calls that stopped arriving, told apart from a healthy zero.
  case timeSinceLastCall
  /// Milliseconds since the last call from a source (a log file and its rotated copies, or the
  /// UDP listener), for sources with at least `min_requests` calls in the window.
  case sourceTimeSinceLastCall
  /// An SLO's burn rate: how many times faster than the objective allows the error budget is
  /// spent (the rule's `burn` says over which windows).
  case burnRate
  /// How much of a rate limit is in use at the worst moment of the window: 1 − lowest
  /// remaining / limit, of requests or tokens, whichever is higher.
  case rateLimitUtilisation
  /// Milliseconds until a rate limit's remaining count reaches zero at the burn observed over the
  /// window (requests or tokens, whichever comes first), for limits of the given reset horizon.
  case rateLimitExhaustion(RateLimitHorizon)
  /// Streams that failed (an outcome other than `completed`) over streamed attempts; of one
  /// class only when given (capacity: overloaded and rate-limited streams).
  case streamFailureRate(StatusClass?)
  /// A percentile of the time to first token, in milliseconds (`ttft_p95` is `ttftQuantile(0.95)`).
  case ttftQuantile(Double)
  /// A latency percentile of the streamed attempts only (`stream: true`) or of the others.
  case streamLatencyQuantile(Double, streamed: Bool)

  /// The fewest calls a window needs for a value whatever `min_requests` says: a percentile `q`
  /// of fewer than 1/(1 − q) calls is the slowest call (a P99 of 99 calls is their maximum), a
  /// single outlier, not a percentile. 100 for P99; 0 for other metrics.
  package var minimumCalls: Int64 {
    guard case .latencyQuantile(let q) = self, q > 0, q < 1 else { return 0 }
    let n = (1 / (1 - q) - 1e-9).rounded(.up)
    return n < 1e15 ? Int64(n) : Int64(1e15)
  }

  /// Counts are not held to the request floor: "no traffic" must be able to alert.
  package var isCount: Bool {
    switch self {
    case .requestCount, .logicalRequestCount, .errorCount, .authFailures, .classCount: true
    default: false
    }
  }

  package var isRate: Bool {
    switch self {
    case .errorRate, .rate429, .rate5xx, .retryExhaustionRate, .authFailureRate, .classRate,
      .rateLimitUtilisation, .streamFailureRate:
      true
    default: false
    }
  }

  package var isLatency: Bool { histogram != nil }

  /// Every histogram its value needs: the latency of the calls that did not stream is all of it
  /// less the streamed calls'.
  package var histograms: [RollupHistogram] {
    if case .streamLatencyQuantile(_, streamed: false) = self { return [.latency, .streamLatency] }
    return histogram.map { [$0] } ?? []
  }

  /// The histogram a percentile reads (its windows are read apart from the counts).
  package var histogram: RollupHistogram? {
    switch self {
    case .latencyQuantile: .latency
    case .ttftQuantile: .ttft
    case .streamLatencyQuantile: .streamLatency
    default: nil
    }
  }

  /// Time since the last call (of a group or of a source): a duration.
  package var isSilence: Bool { self == .timeSinceLastCall || self == .sourceTimeSinceLastCall }

  /// From the rate-limit headers (the headroom forecast).
  package var isRateLimit: Bool {
    switch self {
    case .rateLimitUtilisation, .rateLimitExhaustion: true
    default: false
    }
  }

  /// A duration in milliseconds (thresholds are written `10m`, values shown as durations).
  package var isDuration: Bool {
    if case .rateLimitExhaustion = self { return true }
    return isSilence
  }

  /// The name used in alerts.yaml, output and labels.
  package var name: String {
    switch self {
    case .errorRate: "error_rate"
    case .rate429: "rate_429"
    case .rate5xx: "rate_5xx"
    case .retryExhaustionRate: "retry_exhaustion_rate"
    case .authFailureRate: "auth_failure_rate"
    case .classRate(let c): "class_rate{class=\(c.rawValue)}"
    case .latencyQuantile(let q):
      q == 0.99 ? "p99_latency" : "latency_percentile{percentile=\(formatPlain(q * 100))}"
    case .requestCount: "request_count"
    case .logicalRequestCount: "logical_request_count"
    case .errorCount: "error_count"
    case .authFailures: "auth_failures"
    case .classCount(let c): "class_count{class=\(c.rawValue)}"
    case .timeSinceLastCall: "time_since_last_call"
    case .sourceTimeSinceLastCall: "source_time_since_last_call"
    case .burnRate: "burn_rate"
    case .rateLimitUtilisation: "ratelimit_utilisation"
    case .rateLimitExhaustion(let h):
      h == .any ? "ratelimit_time_to_exhaustion" : "ratelimit_time_to_exhaustion{horizon=\(h.rawValue)}"
    case .streamFailureRate(let c):
      c.map { "stream_failure_rate{class=\($0.rawValue)}" } ?? "stream_failure_rate"
    case .ttftQuantile(let q): "ttft_p\(formatPlain(q * 100))"
    case .streamLatencyQuantile(let q, let streamed):
      q == 0.99
        ? "p99_latency{stream=\(streamed)}"
        : "latency_percentile{percentile=\(formatPlain(q * 100)),stream=\(streamed)}"
    }
  }

  /// The value over a merged rollup; `nil` when there is nothing to measure (no attempts for a
  /// rate, no latencies for a percentile).
  package func value(of r: Rollup) -> Double? {
    func ratio(_ a: Int64, _ b: Int64) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
    switch self {
    case .errorRate: return ratio(r.errors, r.attempts)
    case .rate429: return ratio(r.status429, r.attempts)
    case .rate5xx: return ratio(r.status5xx, r.attempts)
    case .retryExhaustionRate: return ratio(r.exhausted, r.requests)
    case .authFailureRate: return ratio(r.auth, r.attempts)
    case .classRate(let c): return ratio(r.count(of: c), r.attempts)
    case .latencyQuantile(let q): return r.latency.quantile(q)
    case .requestCount: return Double(r.attempts)
    case .logicalRequestCount: return Double(r.requests)
    case .errorCount: return Double(r.errors)
    case .authFailures: return Double(r.auth)
    case .classCount(let c): return Double(r.count(of: c))
    case .timeSinceLastCall, .sourceTimeSinceLastCall: return nil  // from times, not counts
    case .burnRate: return nil  // from windows of request counts
    case .rateLimitUtilisation:
      return [r.rateLimits.requests.utilisation, r.rateLimits.tokens.utilisation].compactMap { $0 }.max()
    case .rateLimitExhaustion(let h):
      return [r.rateLimits.requests, r.rateLimits.tokens].compactMap { fit -> Double? in
        guard !fit.isEmpty, h.includes(fit), fit.spansResetPeriod else { return nil }
        return fit.secondsToExhaustion(atMs: fit.lastMs).map { $0 * 1000 }.flatMap { $0.isFinite ? $0 : nil }
      }.min()
    case .streamFailureRate(let c):
      return ratio(c.map { r.streamFailures(of: $0) } ?? r.streamFailures, r.streams)
    case .ttftQuantile(let q): return r.ttft.quantile(q)
    case .streamLatencyQuantile(let q, let streamed):
      return streamed ? r.streamLatency.quantile(q) : r.plainLatency.quantile(q)
    }
  }

  /// A value as people read it: a percentage, seconds, or a count. Any Double has a text: a
  /// forecast of a billion years is a number of weeks, a value that is not a number (`nan`,
  /// `inf`) is written as Swift writes it.
  package func format(_ v: Double?) -> String {
    guard let v else { return "-" }
    guard v.isFinite else { return "\(v)" }
    if isRate { return formatFixed(v * 100, digits: 2) + "%" }
    if isLatency { return formatFixed(v / 1000, digits: 2) + "s" }
    if isDuration {
      // Past Int64's milliseconds (292 million years) in whole weeks, which a Double still counts.
      guard abs(v) < 0x1p63 else { return formatPlain((v / 604_800_000).rounded(.towardZero)) + "w" }
      return DurationText.format(Int64(v) / 1000 * 1000)
    }
    if self == .burnRate { return formatFixed(v, digits: 1) + "x" }
    return formatPlain(v)
  }

  /// A value in an alert's message: `no data` for none (a window without enough calls to judge
  /// by), never a bare `-` that reads as a hole in the text.
  package func messageText(_ v: Double?) -> String { v == nil ? "no data" : format(v) }

  /// The article's advice for the errors this metric counts.
  package var advice: String {
    switch self {
    case .rate429: StatusClass.capacity.advice
    case .rate5xx: StatusClass.server.advice
    case .authFailureRate, .authFailures:
      "Authentication failed (401/403): fix or rotate the API key; do not retry. Validate keys at startup."
    case .classRate(let c), .classCount(let c): c.advice
    case .retryExhaustionRate:
      "Callers are giving up after their last retry: users see failures. Check the provider's status and consider failover."
    case .streamFailureRate(let c):
      "Streams are failing after their 200 (an error event, a cut or a stall)"
        + (c.map { ": \($0.advice)" }
          ?? ": see the failures by class; retry a stream that failed before its first token, fail over while it lasts.")
    case .ttftQuantile:
      "The first token is slow: users of streamed calls wait before anything appears. Check the provider's status, the prompt's length and reasoning effort, or fail over to a faster model."
    case .latencyQuantile, .streamLatencyQuantile:
      "Slow responses: check the provider's status, lower max_tokens or timeouts, or fail over to a faster model."
    case .requestCount, .logicalRequestCount:
      "Traffic changed: check that the application is running and logging."
    case .timeSinceLastCall:
      "Calls stopped arriving: check that the application runs, still calls this provider, and that its logs reach Vigil (file path, rotation, UDP)."
    case .sourceTimeSinceLastCall:
      "A log source went quiet: check that the application still writes it (path, permissions, rotation) or still sends UDP to Vigil."
    case .burnRate:
      "Requests are failing on the provider's side faster than the objective allows: see which kind of failure dominates; retry 429/5xx with backoff and jitter, fail over to another model or provider while it lasts."
    case .rateLimitUtilisation, .rateLimitExhaustion:
      "The rate limit is about to run out: calls will get 429s. Slow down non-urgent traffic (queue or batch it), spread load over keys, deployments or models, or ask the provider for a higher limit."
    case .errorRate, .errorCount:
      "Errors: see the breakdown by class; retry 429/5xx with backoff, fix 4xx requests and keys."
    }
  }
}

/// Which rate limits a forecast watches: those that reset within the hour (per-minute rate limits)
/// or over hours (daily quotas, such as Groq's requests per day), or either.
package enum RateLimitHorizon: String, Sendable, Equatable, Hashable, CaseIterable {
  case any, short, long

  func includes(_ fit: RateLimitFit) -> Bool {
    switch self {
    case .any: true
    case .short: !fit.isLongHorizon
    case .long: fit.isLongHorizon
    }
  }
}
