import Testing

@testable import VigilCore

@Suite struct StatusClassTests {
  @Test(
    arguments: [
      (200, nil, StatusClass.success), (301, nil, .success), (400, nil, .client), (401, nil, .client),
      (403, nil, .client), (404, nil, .client), (408, nil, .network), (0, nil, .network),
      (429, nil, .capacity), (429, "insufficient_quota", .quota), (503, nil, .capacity),
      (529, nil, .capacity),
      (500, nil, .server), (502, nil, .server), (504, nil, .server), (599, nil, .server),
      // Out of money is not throttling, whatever the status says it with.
      (402, nil, .quota), (400, "credit_balance_too_low", .quota),
      (400, "billing_hard_limit_reached", .quota),
      (429, "billing_error", .quota), (429, "rate_limit_exceeded", .capacity),
      (500, "insufficient_quota", .server),
      // Groq's 498 is capacity, Bedrock's 424 the model failing; OpenAI's credit_balance_exhausted is quota.
      (498, nil, .capacity), (424, nil, .server), (429, "credit_balance_exhausted", .quota),
      // A filtered prompt, a prompt too long, a cancelled request: none is a plain client error.
      (400, "content_filter", .contentFilter), (400, "content_policy_violation", .contentFilter),
      (400, "context_length_exceeded", .contextLength), (499, nil, .cancelled), (0, "cancelled", .cancelled),
      (400, "invalid_request_error", .client),
      // A code names a class only for a 4xx: a 500 saying content_filter is still the server's.
      (500, "content_filter", .server), (200, "content_filter", .success),
      // Anthropic's spend cap and Bedrock's service quota; Gemini's per-day quota vs per-minute.
      (429, "enforced_spend_limit_reached", .quota), (400, "ServiceQuotaExceededException", .quota),
      (429, "GenerateRequestsPerDayPerProjectPerModel-FreeTier", .quota),
      (429, "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", .capacity),
    ] as [(Int, String?, StatusClass)])
  func classes(status: Int, code: String?, expected: StatusClass) {
    #expect(StatusClass(status: status, errorCode: code) == expected)
  }

  @Test(
    arguments: [
      ("content_filter", StatusClass.contentFilter), ("refusal", .contentFilter), ("SAFETY", .contentFilter),
      ("guardrail_intervened", .contentFilter), ("PROHIBITED_CONTENT", .contentFilter),
      ("Refusal", .contentFilter), ("stop", .success), ("length", .success), ("end_turn", .success),
      ("tool_use", .success), ("STOP", .success),
    ])
  func aTwoHundredThatEndsFilteredIsAContentFilterOutcome(reason: String, expected: StatusClass) {
    #expect(StatusClass(status: 200, finishReason: reason) == expected)
    // The finish reason of an error says nothing more than its status.
    #expect(StatusClass(status: 500, finishReason: reason) == .server)
  }

  @Test func cancelledIsNeitherAnErrorNorRetryableAndExceptionNamesCount() {
    #expect(StatusClass(status: 0, errorType: "CancelledError") == .cancelled)
    #expect(StatusClass(status: 400, errorType: "ContextWindowExceededError") == .contextLength)
    #expect(!StatusClass.isError(499, classIndex: StatusClass.cancelled.index))
    #expect(StatusClass.isError(499, classIndex: StatusClass.client.index))
    #expect(StatusClass.isError(400, classIndex: StatusClass.contentFilter.index))
    for c in [StatusClass.contentFilter, .contextLength, .cancelled] {
      #expect(!c.isRetryable && !StatusClass.unavailable.contains(c) && !c.advice.isEmpty)
    }
    #expect(StatusClass.allCases.map(\.index) == Array(0..<StatusClass.allCases.count))
  }

  @Test func aBadKeyIsAnAuthFailureWhateverItsStatus() {
    #expect(StatusClass.isAuth(status: 400, errorCode: "API_KEY_INVALID", errorType: nil))
    #expect(StatusClass.isAuth(status: 401, errorCode: nil, errorType: nil))
    #expect(!StatusClass.isAuth(status: 400, errorCode: "invalid_request_error", errorType: nil))
    #expect(!StatusClass.isAuth(status: 500, errorCode: "API_KEY_INVALID", errorType: nil))
    var r = Rollup()
    r.add(CallRecord(timestampMs: 0, status: 400, errorCode: "API_KEY_INVALID"))
    r.add(CallRecord(timestampMs: 0, status: 403))
    r.add(CallRecord(timestampMs: 0, status: 400))
    #expect(r.auth == 2 && r.count(of: .client) == 3)
  }

  @Test func retryableAndErrorPredicates() {
    #expect(
      StatusClass.capacity.isRetryable && StatusClass.server.isRetryable && StatusClass.network.isRetryable)
    #expect(!StatusClass.client.isRetryable && !StatusClass.quota.isRetryable)
    #expect(StatusClass(status: 429, errorType: "insufficient_quota") == .quota)
    #expect(StatusClass.isError(0) && StatusClass.isError(400) && !StatusClass.isError(399))
    #expect(StatusClass.isAuth(401) && StatusClass.isAuth(403) && !StatusClass.isAuth(404))
  }
}
