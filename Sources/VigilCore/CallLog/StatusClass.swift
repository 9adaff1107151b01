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
  /// Out of money or past a spending cap: 402, or a 4xx that names a ``quotaSignals`` code or type
  /// (OpenAI's 429 `insufficient_quota`, Anthropic's 400 `credit_balance_too_low`). Billing; do not
  /// retry.
  case quota
  /// Other 5xx: retry with backoff, consider failover.
  case server
  /// 0 (no response) and 408: retry.
  case network

  package init(status: Int, errorCode: String? = nil, errorType: String? = nil) {
    let signal = { (s: String?) in s.map { Self.quotaSignals.contains($0) } ?? false }
    self.init(status: status, quota: signal(errorCode) || signal(errorType))
  }

  /// The codes and types by which providers say "out of money" or "past the spending cap", as
  /// opposed to "too many requests right now": OpenAI's `insufficient_quota`,
  /// `billing_hard_limit_reached` and `billing_not_active`; Anthropic's `billing_error` (402) and
  /// `credit_balance_too_low`; `insufficient_balance` (DeepSeek and others);
  /// `credit_balance_exhausted`.
  package static let quotaSignals: Set<String> = [
    "insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "billing_error",
    "credit_balance_too_low", "insufficient_balance", "credit_balance_exhausted",
  ]

  /// The signals' lengths, to skip other text without building a string.
  package static let quotaSignalLengths: ClosedRange<Int> =
    quotaSignals.map(\.utf8.count).min()!...quotaSignals.map(\.utf8.count).max()!

  /// The class of `status`; `quota` says that the error names one of ``quotaSignals``.
  package init(status: Int, quota: Bool) {
    switch status {
    case 0, 408: self = .network
    case 402: self = .quota
    case 400..<500 where quota: self = .quota
    case 429: self = .capacity
    // 503 unavailable, Anthropic's 529 overloaded, Groq's 498 (flex tier over capacity).
    case 498, 503, 529: self = .capacity
    // Bedrock's 424 ModelErrorException: the model failed, a server error in all but number.
    case 424: self = .server
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
    case .quota:
      "Quota exhausted: the spending quota or credit is used up, a billing problem; retrying cannot help. Check the account's billing and usage limits, add credit or raise the monthly cap, and meanwhile fail over to another account or provider."
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
