import Foundation
import Testing
import VigilCore

@testable import VigilOTLP

/// LiteLLM's StandardLoggingPayload, as its generic_api callback posts it.
@Suite struct LiteLLMCallsTests {
  static let success = """
    {"id":"chatcmpl-1","trace_id":"t-1","call_type":"acompletion","status":"success","startTime":1795600800.0,
     "endTime":1795600800.42,"model":"gpt-4o-mini","model_group":"fast","custom_llm_provider":"openai",
     "prompt_tokens":11,"completion_tokens":3,"metadata":{"user_api_key_alias":"key-a","user_api_key_team_alias":"support"},
     "hidden_params":{"additional_headers":{"x_ratelimit_remaining_requests":41,"x_ratelimit_remaining_tokens":"39000","x_ratelimit_limit_requests":50,"x_ratelimit_reset_requests":"1m12s","x_ratelimit_reset_tokens":6}},
     "error_information":null}
    """

  static func failure(code: String, cls: String, message: String) -> String {
    """
    {"status":"failure","startTime":1795600801,"endTime":1795600802.5,"model":"gpt-4o-mini","custom_llm_provider":"openai",
     "metadata":{"user_api_key_alias":"key-a"},
     "error_information":{"error_code":"\(code)","error_class":"\(cls)","error_message":"\(message)","llm_provider":"openai"}}
    """
  }

  @Test func aSuccessIsOneRequestWithItsGroupTokensTeamAndHeaders() throws {
    let out = try LiteLLMCalls.calls(Array(Self.success.utf8))
    let c = try #require(out.calls.first)
    #expect(out.calls.count == 1 && out.rejected == 0)
    #expect(c.status == 200 && c.provider == "openai" && c.model == "fast" && c.app == "support")
    #expect(c.timestampMs == 1_795_600_800_420 && abs((c.latencyMs ?? 0) - 420) < 0.01)
    #expect(c.promptTokens == 11 && c.completionTokens == 3 && c.requestID == "t-1")
    #expect(c.rateLimitRemainingRequests == 41 && c.rateLimitRemainingTokens == 39000)
    #expect(c.rateLimitLimitRequests == 50 && c.rateLimitResetRequestsS == 72 && c.rateLimitResetTokensS == 6)
  }

  /// error_code is the status as text for some errors and the provider's code for others: the
  /// class, or the message, says the status then.
  @Test(arguments: [
    (
      "429", "RateLimitError",
      "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.",
      429, "rate_limit_exceeded" as String?
    ),
    (
      "server_error", "InternalServerError", "litellm.InternalServerError: OpenAIException - boom", 500,
      "server_error"
    ),
    ("insufficient_quota", "RateLimitError", "You exceeded your current quota", 429, "insufficient_quota"),
    ("401", "AuthenticationError", "litellm.AuthenticationError: Incorrect API key", 401, nil),
    ("", "Timeout", "litellm.Timeout: Request timed out", 0, nil),
  ])
  func aFailureSaysItsStatusAndCode(
    _ code: String, _ cls: String, _ message: String, _ status: Int, _ expected: String?
  )
    throws
  {
    let c = try #require(
      LiteLLMCalls.calls(Array(Self.failure(code: code, cls: cls, message: message).utf8)).calls.first)
    #expect(c.status == status)
    #expect(c.errorCode == expected)
    #expect(c.retriesExhausted && c.app == "key-a")
  }

  /// LiteLLM's own classes for a filtered prompt and a prompt too long, and a response whose
  /// choice ended filtered.
  @Test func contentFilterAndContextLengthAreTheirOwnClasses() throws {
    for (cls, expected) in [
      ("ContentPolicyViolationError", StatusClass.contentFilter),
      ("ContextWindowExceededError", .contextLength),
    ] {
      let payload = Self.failure(code: "400", cls: cls, message: "litellm.\(cls): AzureException - refused")
      let c = try #require(LiteLLMCalls.calls(Array(payload.utf8)).calls.first)
      #expect(c.status == 400 && c.statusClass == expected, "\(cls)")
    }
    let refused = Self.success.replacingOccurrences(
      of: #""error_information":null"#,
      with: #""error_information":null,"response":{"choices":[{"finish_reason":"content_filter","index":0}]}"#
    )
    let c = try #require(LiteLLMCalls.calls(Array(refused.utf8)).calls.first)
    #expect(c.status == 200 && c.finishReason == "content_filter" && c.statusClass == .contentFilter)
  }

  @Test func anArrayNDJSONAndOneObjectAreAllRead() throws {
    let one = Self.success.replacingOccurrences(of: "\n", with: "")
    #expect(try LiteLLMCalls.calls(Array("[\(one),\(one)]".utf8)).calls.count == 2)
    #expect(try LiteLLMCalls.calls(Array("\(one)\n\(one)\n\(one)\n".utf8)).calls.count == 3)
    #expect(try LiteLLMCalls.calls(Array(one.utf8)).calls.count == 1)
  }

  @Test func brokenItemsAreCountedAndTheRestStored() throws {
    let one = Self.success.replacingOccurrences(of: "\n", with: "")
    let out = try LiteLLMCalls.calls(Array("\(one)\nnot json\n{\"status\":\"success\"}\n".utf8))
    #expect(out.calls.count == 1 && out.rejected == 2)
    #expect(throws: PayloadError.self) { try LiteLLMCalls.calls(Array("   \n".utf8)) }
  }
}
