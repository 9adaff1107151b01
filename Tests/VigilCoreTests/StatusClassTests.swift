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
    ] as [(Int, String?, StatusClass)])
  func classes(status: Int, code: String?, expected: StatusClass) {
    #expect(StatusClass(status: status, errorCode: code) == expected)
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
