/// Logical requests, the unavailable ones among them and the cancelled ones: what an
/// availability SLO counts.
package struct RequestCounts: Sendable, Equatable {
  package var requests: Int64 = 0
  package var unavailable: Int64 = 0
  /// Cancelled attempts: each ends its request (whichever attempt it was) outside the SLI.
  package var cancelled: Int64 = 0
  /// Failed attempts that announced another (``Rollup/retryPending``), and attempts after a
  /// request's first (``Rollup/retries``): what tells a retry that never came.
  package var pending: Int64 = 0
  package var retries: Int64 = 0

  package init(
    requests: Int64 = 0, unavailable: Int64 = 0, cancelled: Int64 = 0, pending: Int64 = 0, retries: Int64 = 0
  ) {
    self.requests = requests
    self.unavailable = unavailable
    self.cancelled = cancelled
    self.pending = pending
    self.retries = retries
  }

  /// How long a failed attempt that announced another waits for it before its request counts by
  /// that attempt: a minute. SDKs retry within seconds (OpenAI's and Anthropic's back off from
  /// 0.5 s to 8 s) and a `Retry-After` of up to 30 s is honoured twice over, while an app that
  /// gave up, crashed or tripped a breaker shows in the SLO a minute after its first failure.
  package static let retryWaitMs: Int64 = 60_000

  /// Requests of this window (`[start, to)`) whose retry never arrived: the failures that announced
  /// another attempt before the last ``retryWaitMs`` (`recent` holds the counts of
  /// `[to - retryWaitMs, to)`), less the retries of the whole window. Matching by count, not by
  /// request id, errs toward fewer: a retry in the window's first seconds may answer a failure
  /// before it, and any retry (one after a 400 too) answers one. Only a retry later than the
  /// minute is missing until it comes.
  package func orphaned(since recent: RequestCounts) -> Int64 {
    max(0, pending.saturatingSubtracting(recent.pending).saturatingSubtracting(retries))
  }

  /// These counts with the requests whose retry never arrived counted as unavailable: a request
  /// counts by its last attempt.
  package func judged(since recent: RequestCounts) -> RequestCounts {
    var c = self
    c.unavailable.addSaturating(orphaned(since: recent))
    return c
  }

  /// The requests an availability SLO judges: a request the caller cancelled is neither good nor
  /// bad.
  package var inSLI: Int64 { requests.saturatingSubtracting(cancelled) }

  package mutating func add(_ r: Rollup) {
    requests.addSaturating(r.requests)
    unavailable.addSaturating(r.unavailable)
    cancelled.addSaturating(r.count(of: .cancelled))
    pending.addSaturating(r.retryPending)
    retries.addSaturating(r.retries)
  }

  package mutating func add(_ other: RequestCounts) {
    requests.addSaturating(other.requests)
    unavailable.addSaturating(other.unavailable)
    cancelled.addSaturating(other.cancelled)
    pending.addSaturating(other.pending)
    retries.addSaturating(other.retries)
  }

  package mutating func subtract(_ other: RequestCounts) {
    requests = requests.saturatingSubtracting(other.requests)
    unavailable = unavailable.saturatingSubtracting(other.unavailable)
    cancelled = cancelled.saturatingSubtracting(other.cancelled)
    pending = pending.saturatingSubtracting(other.pending)
    retries = retries.saturatingSubtracting(other.retries)
  }
}

/// The coarser tiers of request counts, for windows of hours and days.
package enum RequestTier: Sendable {
  case minute, hour

  package var widthMs: Int64 { self == .minute ? 60_000 : 3_600_000 }
  package var table: String { self == .minute ? "request_minutes" : "request_hours" }
  package var column: String { self == .minute ? "minute" : "hour" }

  /// The start of the tier's interval that holds `ms`.
  package func start(of ms: Int64) -> Int64 {
    ms >= 0 ? ms / widthMs * widthMs : (ms - widthMs + 1) / widthMs * widthMs
  }

  /// The start of the first interval at or after `ms`.
  package func end(of ms: Int64) -> Int64 { start(of: ms) == ms ? ms : start(of: ms) + widthMs }
}

/// A tier's interval of one series, by the store's series id.
package struct RequestTierKey: Hashable, Sendable {
  package var start: Int64
  package var series: Int64

  package init(start: Int64, series: Int64) {
    self.start = start
    self.series = series
  }
}
