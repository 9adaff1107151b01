import Foundation

/// What an SDK's exception says of the provider's answer, when the status is not an attribute:
/// OpenLLMetry records a failed call as span status ERROR, `error.type` = the SDK's exception
/// class, and an `exception` event whose message reads
/// `Error code: 429 - {'error': {'message': '...', 'type': 'insufficient_quota', 'code': 'insufficient_quota'}}`.
package struct ProviderError: Sendable, Equatable {
  /// The HTTP status: from the message, else from the exception class; 0 for no response
  /// (timeouts, connection errors) and for exceptions that say nothing of a status.
  package var status: Int
  package var errorType: String?
  package var errorCode: String?

  /// The status each SDK exception class stands for (OpenAI's and Anthropic's Python and
  /// JavaScript SDKs, LiteLLM's classes, which reuse the names).
  static let statusOfClass: [String: Int] = [
    "BadRequestError": 400, "AuthenticationError": 401, "PermissionDeniedError": 403,
    "NotFoundError": 404, "ConflictError": 409, "UnprocessableEntityError": 422,
    "RateLimitError": 429, "InternalServerError": 500, "BadGatewayError": 502,
    "ServiceUnavailableError": 503, "GatewayTimeoutError": 504, "OverloadedError": 529,
    "APITimeoutError": 0, "APIConnectionError": 0, "Timeout": 0, "DeadlineExceededError": 0,
    "ContentPolicyViolationError": 400, "ContextWindowExceededError": 400, "BudgetExceededError": 402,
  ]

  /// The class's last component: `openai.RateLimitError` → `RateLimitError`.
  static func className(_ name: String) -> String {
    String(name.split(separator: ".").last ?? Substring(name))
  }

  /// Reads `message` (and the exception class when the message has no status). `nil` when
  /// neither says anything.
  package init?(exceptionClass: String?, message: String?) {
    let fromMessage = message.flatMap(Self.statusInMessage)
    let fromClass = exceptionClass.flatMap { Self.statusOfClass[Self.className($0)] }
    guard let status = fromMessage ?? fromClass ?? (exceptionClass == nil ? nil : 0) else { return nil }
    self.status = status
    errorCode = message.flatMap { Self.quoted("code", in: $0) ?? Self.codeOfMessage($0) }
    errorType =
      message.flatMap { Self.quoted("type", in: $0, skipping: "error") ?? Self.anthropicType(in: $0) }
      ?? exceptionClass.map(Self.className)
  }

  /// The provider's code for messages that SDKs render without it (OpenAI's Python SDK puts only
  /// the error's message after "Error code: 429 - "): the documented texts of the codes that
  /// change what an alert says.
  static let codeOfPhrase: [(String, String)] = [
    ("exceeded your current quota", "insufficient_quota"),
    // OpenAI's 429 for requests or tokens per minute: its SDK (and LiteLLM's message) keep only this.
    ("rate limit reached for", "rate_limit_exceeded"),
    ("credit balance is too low", "credit_balance_too_low"),
    ("billing hard limit", "billing_hard_limit_reached"),
    // Anthropic's 400 invalid_request_error, Gemini's INVALID_ARGUMENT, Bedrock's
    // ValidationException: only the text says the prompt did not fit.
    ("prompt is too long", "context_length_exceeded"),
    ("maximum context length", "context_length_exceeded"),
    ("exceeds the maximum number of tokens", "context_length_exceeded"),
    ("input is too long", "context_length_exceeded"),
  ]

  static func codeOfMessage(_ message: String) -> String? {
    let lower = message.lowercased()
    return codeOfPhrase.first { lower.contains($0.0) }?.1
  }

  /// The error type Anthropic's Python SDK renders unquoted at the end of its message:
  /// `429 Rate limited (request_id: req_1, path: /v1/messages, type: rate_limit_error)`.
  static func anthropicType(in message: String) -> String? {
    guard message.contains("(request_id:"), let r = message.range(of: ", type: ", options: .backwards) else {
      return nil
    }
    let value = message[r.upperBound...].prefix {
      ($0 >= "a" && $0 <= "z") || $0 == "_" || ($0 >= "0" && $0 <= "9")
    }
    return value.isEmpty || value.count > 64 ? nil : String(value)
  }

  /// "Error code: 429" (OpenAI's and Anthropic's SDKs, and LiteLLM, which wraps them).
  static func statusInMessage(_ message: String) -> Int? {
    let marker = Array("Error code:".utf8)
    let bytes = Array(message.utf8)
    guard bytes.count >= marker.count else { return nil }
    for start in 0...(bytes.count - marker.count) where Array(bytes[start..<start + marker.count]) == marker {
      var i = start + marker.count
      while i < bytes.count && bytes[i] == UInt8(ascii: " ") { i += 1 }
      var digits = 0
      var value = 0
      while i < bytes.count, digits < 4, let d = Self.digit(bytes[i]) {
        value = value * 10 + d
        digits += 1
        i += 1
      }
      if digits == 3 && value >= 100 { return value }
    }
    return nil
  }

  static func digit(_ b: UInt8) -> Int? {
    b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") ? Int(b - UInt8(ascii: "0")) : nil
  }

  /// The first value of `'key': 'value'` (or with double quotes) in `text` other than `skipping`:
  /// the provider's error type and code inside the SDK's rendering of the error body.
  static func quoted(_ key: String, in text: String, skipping: String? = nil) -> String? {
    for quote in ["'", "\""] {
      let pattern = quote + key + quote + ":"
      var rest = Substring(text)
      while let r = rest.range(of: pattern) {
        rest = rest[r.upperBound...].drop { $0 == " " }
        guard rest.first.map(String.init) == quote else { continue }
        let value = rest.dropFirst().prefix { String($0) != quote }
        rest = rest.dropFirst(value.count + 1)
        if !value.isEmpty && value.count <= 100 && String(value) != skipping { return String(value) }
      }
    }
    return nil
  }
}
