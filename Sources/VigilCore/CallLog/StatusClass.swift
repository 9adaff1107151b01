extension StatusClass {
  /// The position of this class in `allCases`, for compact arrays.
  package var index: Int {
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
/// The classes of the reference article: what a status means and whether retrying helps.
///
/// Classes are exclusive; ``isAuth`` marks the 401/403 subset of ``client``.
package enum StatusClass: String, Sendable, CaseIterable, Codable {
  /// 1xx-3xx: the attempt got an answer.
  case success
  /// 4xx other than 408 and 429: fix the request; do not retry.
  case client
  /// 429 (rate limit), 503 and 529 (overloaded): retry with backoff.
  case capacity
  /// 429 with `insufficient_quota`: billing, do not retry.
  case quota
  /// Other 5xx: retry with backoff, consider failover.
  case server
  /// 0 (no response) and 408: retry.
  case network

  package init(status: Int, errorCode: String? = nil, errorType: String? = nil) {
    self.init(
      status: status,
      quota: status == 429 && (errorCode == "insufficient_quota" || errorType == "insufficient_quota"))
  }

  /// The class of `status`; `quota` says that a 429 names `insufficient_quota`.
  package init(status: Int, quota: Bool) {
    switch status {
    case 0, 408: self = .network
    case 429: self = quota ? .quota : .capacity
    case 503, 529: self = .capacity
    case 400..<500: self = .client
    case 500..<600: self = .server
    default: self = .success
    }
  }

  /// Whether a caller should retry an attempt of this class (with backoff).
  package var isRetryable: Bool {
    switch self {
    case .capacity, .server, .network: true
    case .success, .client, .quota: false
    }
  }

  /// The article's advice for this class, for alert text and reports.
  package var advice: String {
    switch self {
    case .success: "No action needed."
    case .client:
      "Client error: fix the request (400/404) or the key (401/403); retrying will not help."
    case .capacity:
      "Rate limited or overloaded: back off exponentially with jitter, honour Retry-After, and rate-limit on the client."
    case .quota: "Quota exhausted: a billing problem; do not retry, raise the limit or top up."
    case .server:
      "Server error: retry with exponential backoff and jitter; consider failing over to another provider."
    case .network: "No response or timeout: retry with backoff; check timeouts and connectivity."
    }
  }

  /// Whether `status` counts as an error for `error_rate` (>= 400, or 0 for no response).
  @inlinable package static func isError(_ status: Int) -> Bool { status >= 400 || status == 0 }
  /// Whether `status` is an authentication failure (401/403).
  @inlinable package static func isAuth(_ status: Int) -> Bool { status == 401 || status == 403 }

  /// The classes of failures on the provider's side: an availability SLO's bad events.
  package static let unavailable: Set<StatusClass> = [.server, .network, .capacity]

  /// Their positions in `allCases` as bits, for the rollup's hot path (no hashing per call).
  package static let unavailableMask: Int = unavailable.reduce(0) { $0 | 1 << $1.index }
}
