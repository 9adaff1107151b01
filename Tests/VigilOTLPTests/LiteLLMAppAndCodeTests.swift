import Foundation
import Testing
import VigilCore

@testable import VigilOTLP

/// Issue 24 item 8: a LiteLLM row with no team or key alias still has an app, and a 429's
/// provider code is recovered from the texts the SDKs and LiteLLM keep of it.
@Suite struct LiteLLMAppAndCodeTests {
  static func payload(team: String? = nil, key: String? = nil) -> [UInt8] {
    let metadata = [
      team.map { #""user_api_key_team_alias":"\#($0)""# }, key.map { #""user_api_key_alias":"\#($0)""# },
    ].compactMap { $0 }.joined(separator: ",")
    return Array(
      #"{"endTime":1795600800.42,"startTime":1795600800,"status":"success","custom_llm_provider":"openai","model_group":"fast","metadata":{\#(metadata)}}"#
        .utf8)
  }

  @Test func theAppIsTheTeamElseTheKeyElseTheDefaultElseTheModelGroup() throws {
    let limits = IntakeLimits()
    func app(_ body: [UInt8], _ app: String?) throws -> String? {
      try LiteLLMCalls.calls(body, limits: limits, reservation: nil, app: app).calls.first?.app
    }
    #expect(try app(Self.payload(team: "search", key: "k"), "gateway") == "search")
    #expect(try app(Self.payload(key: "k"), "gateway") == "k")
    #expect(try app(Self.payload(), "gateway") == "gateway")
    #expect(try app(Self.payload(), nil) == "fast")
    // A default no label may hold is refused with a 400 that names it; nothing is half-stored.
    for bad in ["", String(repeating: "a", count: 2000), "a\u{1B}[2Jb"] {
      do {
        _ = try LiteLLMCalls.calls(Self.payload(), limits: limits, reservation: nil, app: bad)
        Issue.record("app=\(bad.prefix(10)) was taken")
      } catch {
        #expect(error.status == 400 && error.message.hasPrefix("app="), "\(error)")
      }
    }
  }

  @Test func anthropicsRenderingOfA429KeepsItsType() {
    let e = ProviderError(
      exceptionClass: "anthropic.RateLimitError",
      message: "429 Rate limited (request_id: req_2, path: /v1/messages, type: rate_limit_error)")
    #expect(e?.status == 429 && e?.errorType == "rate_limit_error")
    // Only Anthropic's form (after a request id), a bounded identifier.
    #expect(ProviderError.anthropicType(in: "type: rate_limit_error") == nil)
    #expect(ProviderError.anthropicType(in: "(request_id: r, type: \u{1B}[2J)") == nil)
  }
}
