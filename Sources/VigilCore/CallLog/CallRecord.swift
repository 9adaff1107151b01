/// One HTTP attempt to an LLM API, as read from one line of a call log.
///
/// The fields follow the call-log contract (README, "The call log"): `ts` and `status` are
/// required, everything else is optional and defaults as documented there.
///
/// ```swift
/// let record = try CallLogParser().parse(#"{"ts":1764077524,"status":429,"provider":"openai"}"#)
/// record.statusClass  // .capacity
/// ```
package struct CallRecord: Sendable, Equatable, Hashable {
  /// When the attempt finished, in milliseconds since the Unix epoch (UTC).
  package var timestampMs: Int64
  /// The HTTP status; `0` means no response (timeout, connection reset).
  package var status: Int
  package var provider: String
  package var model: String
  package var latencyMs: Double?
  /// 1 for the first try of a logical request.
  package var attempt: Int
  package var maxAttempts: Int?
  /// The caller gave up after this attempt.
  package var retriesExhausted: Bool
  package var errorType: String?
  package var errorCode: String?
  /// Why the answer ended (`stop`, `length`, `content_filter`, `refusal`, `SAFETY`, ...).
  package var finishReason: String?
  package var requestID: String?
  package var retryAfterS: Double?
  package var rateLimitRemainingRequests: Int64?
  package var rateLimitRemainingTokens: Int64?
  /// The limits the rate-limit headers announce, and the seconds until each resets.
  package var rateLimitLimitRequests: Int64?
  package var rateLimitLimitTokens: Int64?
  package var rateLimitResetRequestsS: Double?
  package var rateLimitResetTokensS: Double?
  package var promptTokens: Int64?
  package var completionTokens: Int64?
  package var app: String?
  package var env: String?
  package var endpoint: String?

  /// The value a missing `provider` or `model` takes.
  package static let unknown = "unknown"

  package init(
    timestampMs: Int64, status: Int, provider: String = CallRecord.unknown,
    model: String = CallRecord.unknown, latencyMs: Double? = nil, attempt: Int = 1,
    maxAttempts: Int? = nil, retriesExhausted: Bool = false, errorType: String? = nil,
    errorCode: String? = nil, requestID: String? = nil, retryAfterS: Double? = nil,
    rateLimitRemainingRequests: Int64? = nil, rateLimitRemainingTokens: Int64? = nil,
    promptTokens: Int64? = nil, completionTokens: Int64? = nil, app: String? = nil,
    env: String? = nil, endpoint: String? = nil, finishReason: String? = nil
  ) {
    self.timestampMs = timestampMs
    self.status = status
    self.provider = provider
    self.model = model
    self.latencyMs = latencyMs
    self.attempt = attempt
    self.maxAttempts = maxAttempts
    self.retriesExhausted = retriesExhausted
    self.errorType = errorType
    self.errorCode = errorCode
    self.requestID = requestID
    self.retryAfterS = retryAfterS
    self.rateLimitRemainingRequests = rateLimitRemainingRequests
    self.rateLimitRemainingTokens = rateLimitRemainingTokens
    self.promptTokens = promptTokens
    self.completionTokens = completionTokens
    self.app = app
    self.env = env
    self.endpoint = endpoint
    self.finishReason = finishReason
  }

  /// The article's class of this attempt's status (see ``StatusClass``).
  package var statusClass: StatusClass {
    StatusClass(status: status, errorCode: errorCode, errorType: errorType, finishReason: finishReason)
  }

  /// Whether the attempt is an authentication failure (``StatusClass/isAuth(status:errorCode:errorType:)``).
  package var isAuthFailure: Bool {
    StatusClass.isAuth(status: status, errorCode: errorCode, errorType: errorType)
  }

  /// The dimensions that alert rules filter and group by.
  package var series: SeriesKey {
    SeriesKey(provider: provider, model: model, app: app ?? "", env: env ?? "", endpoint: endpoint ?? "")
  }
}
