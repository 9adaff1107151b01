/// One HTTP attempt to an LLM API, as read from one line of a call log.
///
/// The fields follow the call-log contract (README, "The call log"): `ts` and `status` are
/// required, everything else is optional and defaults as documented there.
///
/// ```swift
/// let record = try CallLogParser().parse(#"{"ts":1764077524,"status":429,"provider":"openai"}"#)
/// record.statusClass  // .capacity
/// ```
public struct CallRecord: Sendable, Equatable, Hashable {
  /// When the attempt finished, in milliseconds since the Unix epoch (UTC).
  public var timestampMs: Int64
  /// The HTTP status; `0` means no response (timeout, connection reset).
  public var status: Int
  public var provider: String
  public var model: String
  public var latencyMs: Double?
  /// 1 for the first try of a logical request.
  public var attempt: Int
  public var maxAttempts: Int?
  /// The caller gave up after this attempt.
  public var retriesExhausted: Bool
  public var errorType: String?
  public var errorCode: String?
  public var requestID: String?
  public var retryAfterS: Double?
  public var rateLimitRemainingRequests: Int64?
  public var rateLimitRemainingTokens: Int64?
  public var promptTokens: Int64?
  public var completionTokens: Int64?
  public var app: String?
  public var env: String?
  public var endpoint: String?

  /// The value a missing `provider` or `model` takes.
  public static let unknown = "unknown"

  public init(
    timestampMs: Int64, status: Int, provider: String = CallRecord.unknown,
    model: String = CallRecord.unknown, latencyMs: Double? = nil, attempt: Int = 1,
    maxAttempts: Int? = nil, retriesExhausted: Bool = false, errorType: String? = nil,
    errorCode: String? = nil, requestID: String? = nil, retryAfterS: Double? = nil,
    rateLimitRemainingRequests: Int64? = nil, rateLimitRemainingTokens: Int64? = nil,
    promptTokens: Int64? = nil, completionTokens: Int64? = nil, app: String? = nil,
    env: String? = nil, endpoint: String? = nil
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
  }

  /// The article's class of this attempt's status (see ``StatusClass``).
  public var statusClass: StatusClass {
    StatusClass(status: status, errorCode: errorCode, errorType: errorType)
  }

  /// The dimensions that alert rules filter and group by.
  public var series: SeriesKey {
    SeriesKey(provider: provider, model: model, app: app ?? "", env: env ?? "", endpoint: endpoint ?? "")
  }
}
