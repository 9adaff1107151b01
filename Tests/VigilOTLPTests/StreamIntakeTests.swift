import Foundation
import Testing
import VigilCore

@testable import VigilOTLP

/// Streams through OTLP and LiteLLM (issue 23): the stream flag and time to first token under
/// their GenAI and OpenLIT names, and an error that came inside a stream after its 200.
@Suite struct StreamIntakeTests {
  typealias G = GenAICallsTests

  static func call(_ attributes: [String: Any], exception: (type: String, message: String)? = nil) throws
    -> CallRecord
  {
    var a = G.chat
    for (k, v) in attributes { a[k] = v }
    let span = G.span(
      "openai.chat", id: 1, startMs: 0, endMs: 2_000, error: exception != nil, a, exception: exception)
    let out = GenAICalls.calls(G.request([(G.openLLMetry, [span])]))
    #expect(out.rejected == 0)
    return try #require(out.calls.first)
  }

  @Test func aStreamedSpanSaysSoWithItsTimeToFirstToken() throws {
    let c = try Self.call(["gen_ai.request.stream": true, "gen_ai.response.time_to_first_chunk": 0.42])
    #expect(c.stream == true && c.ttftMs == 420 && c.statusClass == .success)
    let openLIT = try Self.call(["gen_ai.request.is_stream": true, "gen_ai.server.ttft": 1.5])
    #expect(openLIT.stream == true && openLIT.ttftMs == 1500)
    // A 0 is "not measured", not an instant first token: left out, the call kept.
    let zero = try Self.call(["gen_ai.request.stream": false, "gen_ai.server.time_to_first_token": 0.0])
    #expect(zero.stream == false && zero.ttftMs == nil)
  }

  @Test(arguments: [
    // Anthropic's SDK: an APIStatusError on the 200 response, its message the SSE error body.
    (
      "anthropic.APIStatusError",
      "{'type': 'error', 'error': {'details': None, 'type': 'overloaded_error', 'message': 'Overloaded'}}",
      false, "overloaded_error", StatusClass.capacity
    ),
    // OpenAI's SDK: a bare APIError for an error chunk, on a streamed call, with the 200 recorded.
    (
      "openai.APIError", "The server had an error while processing your request.",
      true, "api_error", .server
    ),
  ])
  func anErrorInsideAStreamAfterItsTwoHundredIsAStreamFailure(
    type: String, message: String, streamedWith200: Bool, streamErrorType: String, expected: StatusClass
  ) throws {
    let attributes: [String: Any] =
      streamedWith200 ? ["gen_ai.request.stream": true, "http.response.status_code": 200] : [:]
    let c = try Self.call(attributes, exception: (type, message))
    #expect(c.status == 200 && c.stream == true && c.streamOutcome == .errorEvent)
    #expect(c.streamErrorType == streamErrorType && c.statusClass == expected)
  }

  @Test func anErrorWithAStatusOfItsOwnIsNoStreamFailure() throws {
    let c = try Self.call(
      ["gen_ai.request.stream": true],
      exception: ("openai.RateLimitError", "Error code: 429 - {'error': {'type': 'rate_limit_exceeded'}}"))
    #expect(c.status == 429 && c.streamOutcome == nil && c.stream == true)
  }

  @Test func liteLLMStreamsTheirFirstChunkAndInStreamFailures() throws {
    let success = """
      {"status":"success","stream":true,"startTime":1795600800.0,"completionStartTime":1795600800.35,
       "endTime":1795600804.0,"model":"claude","custom_llm_provider":"anthropic"}
      """
    let ok = try #require(try LiteLLMCalls.calls(Array(success.utf8)).calls.first)
    #expect(ok.stream == true && abs((ok.ttftMs ?? 0) - 350) < 0.01 && ok.statusClass == .success)
    let failure = """
      {"status":"failure","stream":true,"startTime":1795600801,"endTime":1795600802.5,"model":"claude",
       "custom_llm_provider":"anthropic","error_information":{"error_class":"APIStatusError",
       "error_message":"{\\"type\\":\\"error\\",\\"error\\":{\\"type\\":\\"overloaded_error\\",\\"message\\":\\"Overloaded\\"}}",
       "llm_provider":"anthropic"}}
      """
    let failed = try #require(try LiteLLMCalls.calls(Array(failure.utf8)).calls.first)
    #expect(failed.status == 200 && failed.streamOutcome == .errorEvent)
    #expect(failed.streamErrorType == "overloaded_error" && failed.statusClass == .capacity)
    // What reaches the store passes the one seam.
    #expect(throws: Never.self) { try CallLimits.check(failed) }
  }
}
