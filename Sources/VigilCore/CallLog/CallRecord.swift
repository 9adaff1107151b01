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
  /// Whether the answer was streamed (nil: the line does not say).
  package var stream: Bool?
  /// Milliseconds from sending the request to the first chunk of any kind (hidden reasoning
  /// included): what a user of a streamed call waits for. Absent when not streamed.
  package var ttftMs: Double?
  /// How the stream ended; anything but `completed` makes a 2xx a failure (``statusClass``).
  package var streamOutcome: StreamOutcome?
  /// The provider's in-band error type or code (`overloaded_error`, `server_error`, ...).
  package var streamErrorType: String?
  /// Milliseconds into the stream at which it failed (before or after the first token matters).
  package var errorAfterMs: Double?
  /// Tokens delivered before the stream failed: what the failure cost.
  package var outputTokensPartial: Int64?
  /// The longest silence between two chunks, in milliseconds: stalls.
  package var maxChunkGapMs: Double?

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
  /// A 2xx whose stream failed takes the class the same failure would have without streaming
  /// (``StatusClass/ofFailedStream(_:errorType:)``).
  package var statusClass: StatusClass {
    if (200..<300).contains(status), let outcome = streamOutcome, outcome.isFailure {
      // As the parser reads them: the first of these that is present and short enough for a code.
      let type = [streamErrorType, errorCode, errorType].lazy.compactMap { $0 }.first { $0.utf8.count <= 200 }
      return .ofFailedStream(outcome, errorType: type)
    }
    return StatusClass(status: status, errorCode: errorCode, errorType: errorType, finishReason: finishReason)
  }

  /// Whether the call was streamed: it says so, or it reports how its stream ended.
  package var isStream: Bool { stream == true || streamOutcome != nil }

  /// Whether the call's stream failed (an outcome other than `completed`), whatever its status.
  package var isFailedStream: Bool { streamOutcome?.isFailure ?? false }

  /// Whether the attempt is an authentication failure (``StatusClass/isAuth(status:errorCode:errorType:)``).
  package var isAuthFailure: Bool {
    StatusClass.isAuth(status: status, errorCode: errorCode, errorType: errorType)
  }

  /// The dimensions that alert rules filter and group by.
  package var series: SeriesKey {
    SeriesKey(provider: provider, model: model, app: app ?? "", env: env ?? "", endpoint: endpoint ?? "")
  }
}
