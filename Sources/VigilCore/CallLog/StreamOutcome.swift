/// How a streamed answer ended: a stream can fail after its `200 OK` (an SSE `error` event, a cut
/// connection, a stall), and such a call is a failure although its status says success.
package enum StreamOutcome: String, Sendable, CaseIterable, Codable {
  /// The terminal event arrived (`message_stop`, `[DONE]`, `response.completed`).
  case completed
  /// The provider sent an error in the stream: Anthropic's `event: error`, an OpenAI chunk with a
  /// top-level `error`, the Responses API's `response.failed`.
  case errorEvent = "error_event"
  /// The connection closed before the terminal event.
  case truncated
  /// No chunk arrived for longer than the caller's idle timeout.
  case idleTimeout = "idle_timeout"
  /// The caller stopped reading (a user who left, a client timeout on the whole answer).
  case clientCancelled = "client_cancelled"

  /// The value a row stores: 0 is reserved for "the line does not say".
  package var code: UInt8 {
    switch self {
    case .completed: 1
    case .errorEvent: 2
    case .truncated: 3
    case .idleTimeout: 4
    case .clientCancelled: 5
    }
  }

  /// The outcome of a row's ``code``, nil for 0 (absent).
  package init?(code: UInt8) {
    guard code >= 1, Int(code) <= Self.allCases.count else { return nil }
    self = Self.allCases[Int(code) - 1]
  }

  /// The outcome named by `bytes` (the contract's spelling exactly), or nil. Compared as bytes:
  /// most streamed lines carry the field, and a String per line was 1% of an ingest's CPU.
  package init?(bytes: some Collection<UInt8>) {
    for (outcome, name) in Self.spellings where name.count == bytes.count && name.elementsEqual(bytes) {
      self = outcome
      return
    }
    return nil
  }

  /// Every outcome with its name's bytes.
  static let spellings = allCases.map { ($0, Array($0.rawValue.utf8)) }

  /// Whether the stream failed: anything but `completed`.
  package var isFailure: Bool { self != .completed }

  /// Whether a row's outcome code is a failed stream (codes 2-5).
  @inlinable package static func isFailure(code: UInt8) -> Bool { code >= 2 }

  /// The accepted spellings, for messages.
  package static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

extension StatusClass {
  /// The class of a call whose stream failed after a 2xx: what the same failure would be without
  /// streaming. An in-band error takes the class of its type or code (``streamErrorClass(of:)``);
  /// a cut or stalled stream is a network failure; one the caller stopped reading is cancelled.
  package static func ofFailedStream(_ outcome: StreamOutcome, errorType: String?) -> StatusClass {
    ofFailedStream(outcome, typeClass: errorType.map(streamErrorClass(of:)))
  }

  /// ``ofFailedStream(_:errorType:)`` given the ``streamErrorClass(of:)`` of the error type, nil
  /// when there is none (the parser works it out once per batch: ``ErrorSignals``).
  static func ofFailedStream(_ outcome: StreamOutcome, typeClass: StatusClass?) -> StatusClass {
    switch outcome {
    case .completed: .success
    case .truncated, .idleTimeout: .network
    case .clientCancelled: .cancelled
    case .errorEvent: typeClass ?? .server
    }
  }

  /// The class of a provider's in-band stream error type or code. Overload and rate limits are
  /// capacity (Anthropic's `overloaded_error` is its 529, `rate_limit_error` its 429; OpenAI's
  /// `rate_limit_exceeded`); the quota, content filter, context length and cancellation codes
  /// signal what they signal without streaming (``signal(of:)``); invalid requests, bad keys and
  /// missing models are the client's; anything else (`api_error`, `server_error`, a type no one
  /// has seen yet) is a failure on the provider's side, the server's.
  package static func streamErrorClass(of type: String) -> StatusClass {
    if let signal = signal(of: type) { return signal }
    if capacityStreamErrors.contains(type) { return .capacity }
    if clientStreamErrors.contains(type) { return .client }
    return .server
  }

  /// In-band error types and codes that mean "overloaded" or "too many requests".
  package static let capacityStreamErrors: Set<String> = [
    "overloaded_error", "overloaded", "rate_limit_error", "rate_limit_exceeded", "rate_limited",
    "too_many_requests", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "ThrottlingException",
    "ServiceUnavailableException", "ModelNotReadyException",
  ]

  /// In-band error types and codes that mean the request itself was wrong.
  package static let clientStreamErrors: Set<String> = [
    "invalid_request_error", "invalid_request", "invalid_prompt", "not_found_error", "permission_error",
    "authentication_error", "request_too_large", "INVALID_ARGUMENT", "ValidationException",
  ]
}
