/// Counts and latencies of the calls of one series in one time bucket (or, merged, a window).
///
/// Everything the alert metrics need is here, so that evaluating a window reads a few rollup rows
/// instead of the raw calls. Rollups merge by addition.
package struct Rollup: Sendable {
  /// Attempts (every line).
  package var attempts: Int64 = 0
  /// Logical requests: lines with `attempt == 1`.
  package var requests: Int64 = 0
  /// Attempts with status >= 400 or 0, except cancelled ones (the caller stopped waiting).
  package var errors: Int64 = 0
  package var status429: Int64 = 0
  package var status5xx: Int64 = 0
  /// Authentication failures: 401, 403, and 4xx codes such as Gemini's `API_KEY_INVALID`.
  package var auth: Int64 = 0
  /// Attempts per ``StatusClass`` (`success` included), indexed by the class's position in `allCases`.
  package var classes = InlineArray<9, Int64>(repeating: 0)
  /// Lines that say the caller gave up after a retryable failure (``StatusClass/exhausts(classIndex:)``):
  /// a non-retryable error is never counted, whatever the line says.
  package var exhausted: Int64 = 0
  /// Logical requests whose last attempt failed for a reason on the provider's side (server,
  /// network, capacity): the bad events of an availability SLO. Retries that succeed are good.
  package var unavailable: Int64 = 0
  /// Attempts that failed for a reason retrying can help and announced another attempt
  /// (`attempt < max_attempts`, not exhausted), and attempts after a request's first: a request
  /// whose next attempt never arrives counts by its last one (``RequestCounts/orphaned(since:)``).
  package var retryPending: Int64 = 0
  package var retries: Int64 = 0
  package var latency = LatencyHistogram()
  package var latencySumMs: Double = 0
  package var promptTokens: Int64 = 0
  package var completionTokens: Int64 = 0
  /// Tokens of attempts that failed (what errors cost).
  package var failedTokens: Int64 = 0
  /// Tokens of retries (attempts after the first of a logical request).
  package var retryTokens: Int64 = 0
  /// Attempts per HTTP status code, for reports (read from the store only when asked for).
  package var codes = StatusCounts()
  /// What the rate-limit headers said: remaining counts over time, limits, resets.
  package var rateLimits = RateLimits()
  /// Streamed attempts, and those whose stream failed (``StreamOutcome/isFailure``); failed
  /// streams per ``StatusClass/index`` (a short list, like ``codes``).
  package var streams: Int64 = 0
  package var streamFailures: Int64 = 0
  package var streamFailureClasses = StatusCounts()
  /// Time to first token of the attempts that reported one, and the latency of streamed attempts
  /// (the rest of ``latency`` is that of the others): both decoded only when asked for, as
  /// ``latency`` is.
  package var ttft = LatencyHistogram()
  package var streamLatency = LatencyHistogram()

  package init() {}

  /// Counts one call.
  package mutating func add(_ r: CallRecord) {
    let latencyBucket = r.latencyMs.flatMap(LatencyHistogram.bucket(of:))
    if r.isStream || r.ttftMs != nil {
      addStream(
        streamed: r.isStream, failed: r.isFailedStream, classIndex: r.statusClass.index, ttftMs: r.ttftMs,
        latencyMs: r.latencyMs, latencyBucket: latencyBucket)
    }
    if let v = r.rateLimitRemainingRequests {
      rateLimits.requests.add(
        remaining: Double(v), atMs: r.timestampMs, limit: r.rateLimitLimitRequests.map(Double.init),
        resetS: r.rateLimitResetRequestsS)
    }
    if let v = r.rateLimitRemainingTokens {
      rateLimits.tokens.add(
        remaining: Double(v), atMs: r.timestampMs, limit: r.rateLimitLimitTokens.map(Double.init),
        resetS: r.rateLimitResetTokensS)
    }
    add(
      status: r.status, classIndex: r.statusClass.index, auth: r.isAuthFailure, attempt: r.attempt,
      maxAttempts: r.maxAttempts ?? 0, exhausted: r.retriesExhausted, failedStream: r.isFailedStream,
      latencyMs: r.latencyMs, latencyBucket: latencyBucket,
      promptTokens: r.promptTokens ?? 0,
      completionTokens: r.completionTokens ?? 0)
  }

  /// Counts one call of a batch.
  @inline(__always) package mutating func add(_ r: CallRow) {
    if r.flags.contains(.rateLimitRequests) || r.flags.contains(.rateLimitTokens) { addRateLimits(r) }
    let latencyMs: Double? = r.flags.contains(.latency) ? r.latencyMs : nil
    let latencyBucket = latencyMs.flatMap(LatencyHistogram.bucket(of:))
    if r.isStream || r.flags.contains(.ttft) {
      addStream(
        streamed: r.isStream, failed: r.isFailedStream, classIndex: Int(r.statusClass),
        ttftMs: r.flags.contains(.ttft) ? r.ttftMs : nil, latencyMs: latencyMs, latencyBucket: latencyBucket)
    }
    add(
      status: Int(r.status), classIndex: Int(r.statusClass), auth: r.flags.contains(.auth),
      attempt: Int(r.attempt),
      maxAttempts: Int(r.maxAttempts), exhausted: r.flags.contains(.exhausted),
      failedStream: r.isFailedStream,
      latencyMs: latencyMs, latencyBucket: latencyBucket,
      promptTokens: r.promptTokens, completionTokens: r.completionTokens)
  }

  @inline(__always) mutating func add(
    status: Int, classIndex: Int, auth isAuth: Bool, attempt: Int, maxAttempts: Int,
    exhausted wasExhausted: Bool, failedStream: Bool,
    latencyMs: Double?, latencyBucket: Int32?, promptTokens prompt: Int64, completionTokens completion: Int64
  ) {
    attempts += 1
    if attempt == 1 { requests += 1 }
    let isError = StatusClass.isError(status, classIndex: classIndex, failedStream: failedStream)
    if isError { errors += 1 }
    if status == 429 { status429 += 1 }
    if status >= 500 && status <= 599 { status5xx += 1 }
    if isAuth { auth += 1 }
    classes[classIndex] += 1
    if wasExhausted && StatusClass.exhausts(classIndex: classIndex) { exhausted += 1 }
    if Self.endsUnavailable(
      classIndex: classIndex, attempt: attempt, maxAttempts: maxAttempts, exhausted: wasExhausted)
    {
      unavailable += 1
    }
    if attempt > 1 { retries += 1 }
    if Self.awaitsRetry(
      classIndex: classIndex, attempt: attempt, maxAttempts: maxAttempts, exhausted: wasExhausted)
    {
      retryPending += 1
    }
    if let l = latencyMs {
      latency.record(bucket: latencyBucket)
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

  /// Whether an attempt ends its logical request unavailable: a failure on the provider's side
  /// (server, network, capacity) on the request's last attempt. It is the last when the caller
  /// gave up, used its last allowed attempt, or says nothing of retries (then every attempt is its
  /// own request's last).
  @inline(__always) package static func endsUnavailable(
    classIndex: Int, attempt: Int, maxAttempts: Int, exhausted: Bool
  )
    -> Bool
  {
    StatusClass.unavailableMask >> classIndex & 1 == 1
      && (exhausted || maxAttempts == 0 || attempt >= maxAttempts)
  }

  /// Whether an attempt announces another: a failure on the provider's side that is not its
  /// request's last (``endsUnavailable(classIndex:attempt:maxAttempts:exhausted:)`` with the
  /// same class says no).
  @inline(__always) package static func awaitsRetry(
    classIndex: Int, attempt: Int, maxAttempts: Int, exhausted: Bool
  ) -> Bool {
    StatusClass.unavailableMask >> classIndex & 1 == 1 && !exhausted && maxAttempts > 0
      && attempt < maxAttempts
  }

  /// The rate-limit headers of a call of a batch (rare: off the hot path).
  mutating func addRateLimits(_ r: CallRow) {
    let f = r.flags
    if f.contains(.rateLimitRequests) {
      rateLimits.requests.add(
        remaining: Double(r.rateLimitRemainingRequests), atMs: r.timestampMs,
        limit: f.contains(.limitRequests) ? Double(r.rateLimitLimitRequests) : nil,
        resetS: f.contains(.resetRequests) ? r.rateLimitResetRequestsS : nil)
    }
    if f.contains(.rateLimitTokens) {
      rateLimits.tokens.add(
        remaining: Double(r.rateLimitRemainingTokens), atMs: r.timestampMs,
        limit: f.contains(.limitTokens) ? Double(r.rateLimitLimitTokens) : nil,
        resetS: f.contains(.resetTokens) ? r.rateLimitResetTokensS : nil)
    }
  }

  /// Adds every count of `other`; the latency histogram only if `latency`.
  package mutating func merge(_ other: Rollup, latency withLatency: Bool = true) {
    attempts.addSaturating(other.attempts)
    requests.addSaturating(other.requests)
    errors.addSaturating(other.errors)
    status429.addSaturating(other.status429)
    status5xx.addSaturating(other.status5xx)
    auth.addSaturating(other.auth)
    for i in classes.indices { classes[i].addSaturating(other.classes[i]) }
    exhausted.addSaturating(other.exhausted)
    unavailable.addSaturating(other.unavailable)
    retryPending.addSaturating(other.retryPending)
    retries.addSaturating(other.retries)
    if withLatency { latency.merge(other.latency) }
    latencySumMs += other.latencySumMs
    promptTokens.addSaturating(other.promptTokens)
    completionTokens.addSaturating(other.completionTokens)
    failedTokens.addSaturating(other.failedTokens)
    retryTokens.addSaturating(other.retryTokens)
    if !other.codes.isEmpty { codes.merge(other.codes) }
    if !other.rateLimits.isEmpty { rateLimits.merge(other.rateLimits) }
    if other.streams > 0 || other.ttft.count > 0 { mergeStreams(other, latency: withLatency) }
  }

  /// Attempts of one class.
  package func count(of statusClass: StatusClass) -> Int64 { classes[statusClass.index] }
}
extension Rollup: Equatable {
  package static func == (a: Rollup, b: Rollup) -> Bool {
    var sameClasses = true
    for i in a.classes.indices where a.classes[i] != b.classes[i] { sameClasses = false }
    return sameClasses && a.attempts == b.attempts && a.requests == b.requests && a.errors == b.errors
      && a.status429 == b.status429 && a.status5xx == b.status5xx && a.auth == b.auth
      && a.exhausted == b.exhausted && a.unavailable == b.unavailable
      && a.retryPending == b.retryPending && a.retries == b.retries
      && a.latency == b.latency && a.latencySumMs == b.latencySumMs && a.promptTokens == b.promptTokens
      && a.completionTokens == b.completionTokens && a.failedTokens == b.failedTokens
      && a.retryTokens == b.retryTokens && a.codes == b.codes && a.rateLimits == b.rateLimits
      && a.streams == b.streams && a.streamFailures == b.streamFailures
      && a.streamFailureClasses == b.streamFailureClasses && a.ttft == b.ttft
      && a.streamLatency == b.streamLatency
  }
}
