import Foundation
import SwiftProtobuf
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilOTLP

/// One byte that is not UTF-8 anywhere in an export costs that field's text, never the export
/// (a 400 is never retried, so every call batched with it was lost); a gzip body of several
/// members is inflated whole.
@Suite struct OneBadByteTests {
  /// `bytes` with the first occurrence of `marker` (ASCII) turned into 0xFF bytes.
  static func spoiled(_ bytes: [UInt8], _ marker: String) throws -> [UInt8] {
    let m = Array(marker.utf8)
    let at = try #require(
      (0...(bytes.count - m.count)).first { Array(bytes[$0..<($0 + m.count)]) == m }, "no \(marker)")
    var out = bytes
    for i in at..<(at + m.count) { out[i] = 0xFF }
    return out
  }

  /// Two LLM calls and a database span; the database span's name and the second call's model
  /// carry bytes that are not UTF-8.
  static func export() -> Vigil_Otlp_V1_ExportTraceServiceRequest {
    var spoiledModel = GenAICallsTests.chat
    spoiledModel["gen_ai.request.model"] = "gpt-4o~~"
    return GenAICallsTests.request([
      (
        "s",
        [
          GenAICallsTests.span("openai.chat", id: 1, startMs: 0, endMs: 10, GenAICallsTests.chat),
          GenAICallsTests.span("SELECT ##", id: 2, trace: 2, startMs: 0, endMs: 10, ["db.system": "sqlite"]),
          GenAICallsTests.span("openai.chat", id: 3, trace: 3, startMs: 0, endMs: 10, spoiledModel),
        ]
      )
    ])
  }

  @Test func aBadByteInProtobufCostsItsFieldNotTheExport() throws {
    let encoded: [UInt8] = try Self.export().serializedBytes()
    let body = try Self.spoiled(Self.spoiled(encoded, "##"), "~~")
    let out = try Payload.traces(body, protobuf: true)
    #expect(out.calls.count == 2 && out.rejected == 0)
    #expect(out.repaired == 2)
    #expect(out.calls.map(\.model).sorted() == ["gpt-4o-mini", "gpt-4o??"])
  }

  @Test func aBadByteInOTLPJSONCostsItsFieldNotTheExport() throws {
    let json: [UInt8] = try Self.export().jsonUTF8Bytes()
    let body = try Self.spoiled(Self.spoiled(json, "##"), "~~")
    let out = try Payload.traces(body, protobuf: false)
    // Repaired: the decoder refused the body as sent.
    #expect(out.calls.count == 2 && out.rejected == 0 && out.repaired == 2)
    #expect(out.calls.contains { $0.model == "gpt-4o??" })
  }

  @Test func aBadByteInALogsExportCostsItsFieldNotTheExport() throws {
    var record = Vigil_Otlp_V1_LogRecord()
    record.timeUnixNano = GenAICallsTests.t0
    record.eventName = "gen_ai.client.##"
    record.attributes = [
      GenAICallsTests.kv("gen_ai.operation.name", "chat"), GenAICallsTests.kv("gen_ai.system", "openai"),
      GenAICallsTests.kv("http.response.status_code", 429),
    ]
    var r = Vigil_Otlp_V1_ExportLogsServiceRequest()
    var rl = Vigil_Otlp_V1_ResourceLogs()
    var sl = Vigil_Otlp_V1_ScopeLogs()
    sl.logRecords = [record, record]
    rl.scopeLogs = [sl]
    r.resourceLogs = [rl]
    let encoded: [UInt8] = try r.serializedBytes()
    let body = try Self.spoiled(encoded, "##")
    let out = try Payload.logs(body, protobuf: true)
    #expect(out.calls.count == 2 && out.repaired == 1)
  }

  @Test func aBadByteInALiteLLMArrayCostsItsFieldNotTheOtherPayloads() throws {
    let body =
      "[" + LiteLLMCallsTests.success.replacingOccurrences(of: "t-1", with: "t-~~") + ","
      + LiteLLMCallsTests.success + "]"
    let out = try LiteLLMCalls.calls(
      try Self.spoiled(Array(body.utf8), "~~"), limits: IntakeLimits(), reservation: nil)
    #expect(out.calls.count == 2 && out.rejected == 0 && out.repaired == 1)
    #expect(out.calls.contains { $0.requestID == "t-??" })
  }

  /// `cat a.gz b.gz` is one gzip body of two members: both are the request (protobuf
  /// concatenated is one message, its lists joined).
  @Test func aGzipBodyOfTwoMembersIsInflatedWhole() throws {
    let first: [UInt8] = try GenAICallsTests.request([
      ("s", [GenAICallsTests.span("openai.chat", id: 1, startMs: 0, endMs: 10, GenAICallsTests.chat)])
    ]).serializedBytes()
    let second: [UInt8] = try GenAICallsTests.request([
      (
        "s",
        [GenAICallsTests.span("openai.chat", id: 2, trace: 2, startMs: 0, endMs: 10, GenAICallsTests.chat)]
      )
    ]).serializedBytes()
    let body = try Gzip.compress(first) + Gzip.compress(second)
    let inflated = try Payload.decoded(body, contentEncoding: "gzip")
    #expect(inflated == first + second)
    #expect(try Payload.traces(inflated, protobuf: true).calls.count == 2)
    // Bytes after a member that are not another member: refused, not cut.
    #expect(throws: PayloadError.self) {
      try Payload.decoded(try Gzip.compress(first) + Array("trailing".utf8), contentEncoding: "gzip")
    }
  }
}
