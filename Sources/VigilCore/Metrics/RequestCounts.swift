/// Logical requests, the unavailable ones among them and the cancelled ones: what an
/// availability SLO counts.
package struct RequestCounts: Sendable, Equatable {
  package var requests: Int64 = 0
  package var unavailable: Int64 = 0
  /// Cancelled attempts: each ends its request (whichever attempt it was) outside the SLI.
  package var cancelled: Int64 = 0

  package init(requests: Int64 = 0, unavailable: Int64 = 0, cancelled: Int64 = 0) {
    self.requests = requests
    self.unavailable = unavailable
    self.cancelled = cancelled
  }

  /// The requests an availability SLO judges: a request the caller cancelled is neither good nor
  /// bad.
  package var inSLI: Int64 { requests.saturatingSubtracting(cancelled) }

  package mutating func add(_ r: Rollup) {
    requests.addSaturating(r.requests)
    unavailable.addSaturating(r.unavailable)
    cancelled.addSaturating(r.count(of: .cancelled))
  }

  package mutating func add(_ other: RequestCounts) {
    requests.addSaturating(other.requests)
    unavailable.addSaturating(other.unavailable)
    cancelled.addSaturating(other.cancelled)
  }

  package mutating func subtract(_ other: RequestCounts) {
    requests = requests.saturatingSubtracting(other.requests)
    unavailable = unavailable.saturatingSubtracting(other.unavailable)
    cancelled = cancelled.saturatingSubtracting(other.cancelled)
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
