import Foundation
import SwiftProtobuf
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilOTLP

/// Bodies of the intake endpoints: content types, gzip, limits, and what a bad one gets.
@Suite struct PayloadTests {
  static func export() throws -> [UInt8] {
    let span = GenAICallsTests.span("openai.chat", id: 1, startMs: 0, endMs: 10, GenAICallsTests.chat)
    return try GenAICallsTests.request([("s", [span])]).serializedBytes()
  }

  @Test func aGzippedExportDecodesToTheSameCalls() throws {
    let body = try Self.export()
    let inflated = try Payload.decoded(try Gzip.compress(body), contentEncoding: "gzip")
    #expect(inflated == body)
    #expect(try Payload.traces(inflated, protobuf: true).calls.count == 1)
  }

  @Test func aGzipBombStopsAtTheLimitWithA413() throws {
    let bomb = try Gzip.compress([UInt8](repeating: 0, count: Payload.maxInflatedBytes + (1 << 20)))
    #expect(bomb.count < 200_000)
    #expect(throws: PayloadError(413, "the body inflates beyond \(Payload.maxInflatedBytes >> 20) MiB")) {
      try Payload.decoded(bomb, contentEncoding: "gzip")
    }
  }

  @Test func corruptGzipATruncatedExportAndAStrangeEncodingAreRefused() throws {
    let gz = try Gzip.compress(try Self.export())
    #expect(throws: PayloadError.self) {
      try Payload.decoded(Array(gz.prefix(gz.count / 2)), contentEncoding: "gzip")
    }
    #expect((try? Payload.decoded(Array(gz.prefix(gz.count / 2)), contentEncoding: "gzip")) == nil)
    let body = try Self.export()
    do {
      _ = try Payload.traces(Array(body.prefix(body.count - 7)), protobuf: true)
      Issue.record("a truncated export decoded")
    } catch {
      #expect(error.status == 400)
    }
    do {
      _ = try Payload.decoded(body, contentEncoding: "br")
      Issue.record("brotli accepted")
    } catch {
      #expect(error.status == 415)
    }
  }

  @Test(arguments: [
    ("application/x-protobuf", true), ("application/json; charset=utf-8", false),
    ("application/protobuf", true),
  ])
  func contentTypesOfOTLP(_ type: String, _ protobuf: Bool) throws {
    #expect(try Payload.isProtobuf(type) == protobuf)
  }

  @Test func anotherContentTypeIsA415() {
    for type in ["text/plain", "", "application/grpc"] {
      do {
        _ = try Payload.isProtobuf(type)
        Issue.record("\(type) accepted")
      } catch {
        #expect(error.status == 415)
      }
    }
  }

  /// A huge attribute value is stored cut to the label limit, never as a megabyte label: the
  /// span is refused, the rest of the export goes in.
  @Test func aHugeAttributeValueRejectsItsSpanOnly() throws {
    var huge = GenAICallsTests.chat
    huge["gen_ai.request.model"] = String(repeating: "m", count: 1 << 20)
    let r = GenAICallsTests.request([
      (
        "s",
        [
          GenAICallsTests.span("openai.chat", id: 1, startMs: 0, endMs: 10, huge),
          GenAICallsTests.span("openai.chat", id: 2, trace: 2, startMs: 0, endMs: 10, GenAICallsTests.chat),
        ]
      )
    ])
    let out = try Payload.traces(try r.serializedBytes(), protobuf: true)
    #expect(out.calls.count == 1 && out.rejected == 1)
    let response = try Vigil_Otlp_V1_ExportTraceServiceResponse(
      serializedBytes: Payload.response(
        logs: false, rejected: out.rejected, message: out.firstError, protobuf: true))
    #expect(response.partialSuccess.rejectedSpans == 1)
    #expect(response.partialSuccess.errorMessage.contains("longer than 256 bytes"))
  }

  @Test func aFullyAcceptedExportAnswersAnEmptyResponse() throws {
    #expect(Payload.response(logs: false, rejected: 0, message: nil, protobuf: true).isEmpty)
    #expect(
      String(
        decoding: Payload.response(logs: true, rejected: 0, message: nil, protobuf: false), as: UTF8.self)
        == "{}")
  }
}
