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
    case .contentFilter: 6
    case .contextLength: 7
    case .cancelled: 8
    }
  }
}
/// The classes of the reference article: what a status means and whether retrying helps.
///
/// Classes are exclusive; ``isAuth`` marks the 401/403 subset of ``client``. The first six are the
/// article's; `content_filter`, `context_length` and `cancelled` split out outcomes that are none of
/// the provider's unavailability and that a fix on the caller's side (or no fix) answers.
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
  /// The provider's safety system refused the request or cut the answer: Azure's 400
  /// `content_filter`, OpenAI's `content_policy_violation`, or a 200 whose `finish_reason` is
  /// `content_filter`, `refusal` (Anthropic), `SAFETY` and the other block reasons (Gemini) or
  /// `guardrail_intervened` (Bedrock). Not an HTTP error; do not retry unchanged.
  case contentFilter = "content_filter"
  /// The prompt does not fit the model's context window (`context_length_exceeded`): shorten it or
  /// pick a larger model; retrying cannot help.
  case contextLength = "context_length"
  /// The caller gave up on the request before the answer (Groq's and nginx's 499, a cancelled
  /// task): neither an error nor the provider's unavailability, and outside an availability SLO.
  case cancelled

  package init(status: Int, errorCode: String? = nil, errorType: String? = nil, finishReason: String? = nil) {
    let signal = errorCode.flatMap(Self.signal(of:)) ?? errorType.flatMap(Self.signal(of:))
    self.init(
      status: status, signal: signal,
      filtered: finishReason.map { Self.isContentFilterFinish(Array($0.utf8)) } ?? false)
  }

  /// The class an error code or type names whatever its status (quota, content filter, context
  /// length, cancelled), or nil for a code that leaves the status to decide.
  package static func signal(of code: String) -> StatusClass? {
    if quotaSignals.contains(code) { return .quota }
    if let c = otherSignals[code] { return c }
    // Gemini's RESOURCE_EXHAUSTED names the quota it hit: a per-day one is spent until tomorrow
    // (`GenerateRequestsPerDayPerProjectPerModel-FreeTier`), a per-minute one is throttling.
    if code.utf8.count <= 200 && code.contains("PerDay") { return .quota }
    return nil
  }

  /// Codes by which a 4xx other than 401/403 says the key is wrong (Gemini's 400
  /// `API_KEY_INVALID`): counted as auth failures all the same.
  package static let authSignals: Set<String> = ["API_KEY_INVALID", "invalid_api_key"]

  /// Whether an attempt is an authentication failure: 401, 403, or a 4xx naming an ``authSignals``
  /// code.
  package static func isAuth(status: Int, errorCode: String?, errorType: String?) -> Bool {
    isAuth(status)
      || ((400..<500).contains(status)
        && (errorCode.map(authSignals.contains) ?? false || errorType.map(authSignals.contains) ?? false))
  }

  /// Codes and types that name a class other than quota: OpenAI's and Azure's
  /// `content_filter`/`content_policy_violation`, Bedrock's guardrail, `context_length_exceeded`
  /// (OpenAI, Groq, Mistral, DeepSeek), and the exception names of a cancelled request.
  package static let otherSignals: [String: StatusClass] = [
    "content_filter": .contentFilter, "content_policy_violation": .contentFilter,
    "ContentPolicyViolationError": .contentFilter, "guardrail_intervened": .contentFilter,
    "context_length_exceeded": .contextLength, "ContextWindowExceededError": .contextLength,
    "model_context_window_exceeded": .contextLength,
    "cancelled": .cancelled, "canceled": .cancelled, "CancelledError": .cancelled,
    "request_cancelled": .cancelled,
  ]

  /// The finish (stop) reasons by which a 200 says the answer was filtered, compared ignoring case:
  /// OpenAI's and Azure's `content_filter`, Anthropic's `refusal`, Gemini's `SAFETY`, `RECITATION`,
  /// `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII` and `IMAGE_SAFETY`, Bedrock's `guardrail_intervened`.
  package static let contentFilterFinishes: Set<[UInt8]> = Set(
    [
      "content_filter", "refusal", "safety", "recitation", "blocklist", "prohibited_content", "spii",
      "image_safety", "guardrail_intervened",
    ].map { Array($0.utf8) })

  /// Whether a finish reason (any case) is one of ``contentFilterFinishes``.
  package static func isContentFilterFinish(_ reason: some Collection<UInt8>) -> Bool {
    guard reason.count <= 20 else { return false }
    return contentFilterFinishes.contains(
      reason.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 })
  }

  /// The class of `status` given what its error code says (``signal(of:)``) and whether a 2xx
  /// answer ended filtered.
  package init(status: Int, signal: StatusClass?, filtered: Bool = false) {
    switch (status, signal) {
    case (0, .cancelled?), (400..<500, .cancelled?): self = .cancelled
    case (400..<500, .contentFilter?): self = .contentFilter
    case (400..<500, .contextLength?): self = .contextLength
    case (200..<300, _) where filtered: self = .contentFilter
    default: self.init(status: status, quota: signal == .quota)
    }
  }

  /// The codes and types by which providers say "out of money" or "past the spending cap", as
  /// opposed to "too many requests right now": OpenAI's `insufficient_quota`,
  /// `billing_hard_limit_reached` and `billing_not_active`; Anthropic's `billing_error` (402) and
  /// `credit_balance_too_low`; `insufficient_balance` (DeepSeek and others);
  /// `credit_balance_exhausted`; Anthropic's spend cap `enforced_spend_limit_reached` (a 429);
  /// Bedrock's `ServiceQuotaExceededException` (a 400).
  package static let quotaSignals: Set<String> = [
    "insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "billing_error",
    "credit_balance_too_low", "insufficient_balance", "credit_balance_exhausted",
    "enforced_spend_limit_reached", "ServiceQuotaExceededException",
  ]

  /// The class of `status`; `quota` says that the error names one of ``quotaSignals``.
  package init(status: Int, quota: Bool) {
    switch status {
    case 0, 408: self = .network
    case 402: self = .quota
    case 400..<500 where quota: self = .quota
    case 499: self = .cancelled
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
    case .success, .client, .quota, .contentFilter, .contextLength, .cancelled: false
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
    case .contentFilter:
      "Content filtered: the provider's safety system refused the prompt or cut the answer; retrying the same request will not help. Look at the prompts (or a jailbreak attempt) and the deployment's filter settings."
    case .contextLength:
      "Context window exceeded: the prompt and the requested output do not fit the model; trim or summarise the history, lower max_tokens, or route to a model with a larger window."
    case .cancelled:
      "Cancelled by the caller: a client timeout or a user who left; not the provider's fault. Check client timeouts if there are many."
    }
  }

  /// Whether `status` counts as an error for `error_rate` (>= 400, or 0 for no response). A
  /// cancelled call is not one: see ``isError(_:classIndex:)``.
  @inlinable package static func isError(_ status: Int) -> Bool { status >= 400 || status == 0 }
  /// Whether an attempt of `status` and class counts as an error: a cancelled one does not (the
  /// caller stopped waiting; a filtered 200 is not one either, it is a 2xx).
  @inlinable package static func isError(_ status: Int, classIndex: Int) -> Bool {
    isError(status) && classIndex != StatusClass.cancelled.index
  }
  /// The same for a call that may have streamed: a 2xx whose stream failed is an error as the
  /// same failure would be without streaming (a cancelled one is not).
  @inlinable package static func isError(_ status: Int, classIndex: Int, failedStream: Bool) -> Bool {
    (isError(status) || failedStream) && classIndex != StatusClass.cancelled.index
  }
  /// Whether `status` is an authentication failure (401/403).
  @inlinable package static func isAuth(_ status: Int) -> Bool { status == 401 || status == 403 }

  /// The classes of failures on the provider's side: an availability SLO's bad events.
  package static let unavailable: Set<StatusClass> = [.server, .network, .capacity]

  /// Their positions in `allCases` as bits, for the rollup's hot path (no hashing per call).
  package static let unavailableMask: Int = unavailable.reduce(0) { $0 | 1 << $1.index }

  /// Whether a caller that gave up after an attempt of this class exhausted its retries: only a
  /// failure that retrying can help (server, network, capacity: the classes of ``unavailable``)
  /// can run out of attempts. A 400, a content filter, a prompt too long or an empty quota is not
  /// retried, and ending there is not exhaustion, whatever the log's `retries_exhausted` says.
  @inline(__always) package static func exhausts(classIndex: Int) -> Bool {
    unavailableMask >> classIndex & 1 == 1
  }
}
