import Foundation
import Testing

@testable import VigilCore

/// The parser compares the key a log usually writes next in place (CallBatch.nextKey): a batch of
/// many lines must parse each exactly as a batch of that line alone does, whatever the keys'
/// order, spelling, escapes or nesting.
@Suite struct KeyPredictionTests {
  static let template =
    #"{"ts":"2026-11-20T00:00:00.005Z","provider":"openai","model":"gpt-4o-mini","status":200,"latency_ms":1679.9,"attempt":1,"max_attempts":3,"retries_exhausted":false,"request_id":"req_6c03","prompt_tokens":180,"completion_tokens":30,"app":"chat-api","env":"prod","stream":true,"ttft_ms":165.4,"max_chunk_gap_ms":233.3,"stream_outcome":"completed"}"#

  /// Lines like a logger's, some with a key changed the ways that must not be taken for the
  /// expected one: escaped, cut short, made longer, another alias, moved, repeated, nested.
  static func line(_ r: inout SeededRandom) -> [UInt8] {
    var line = template
    switch r.next() % 12 {
    case 0: line = PropertyTests.object(&r)
    case 1: line = String(decoding: PropertyTests.mutate(template, &r), as: UTF8.self)
    case 2: line = line.replacingOccurrences(of: #""status""#, with: #""st\u0061tus""#)
    case 3: line = line.replacingOccurrences(of: #""status":200"#, with: #""statu":200,"status":503"#)
    case 4: line = line.replacingOccurrences(of: #""status""#, with: #""status_code""#)
    case 5: line = line.replacingOccurrences(of: #""model":"gpt-4o-mini","#, with: "") + " "
    case 6: line = line.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":1,"attempt":2"#)
    case 7: line = line.replacingOccurrences(of: #""ttft_ms""#, with: #""ttft_msx""#)
    case 8:
      line = line.replacingOccurrences(
        of: #""app":"chat-api""#, with: #""http":{"response":{"status_code":429}}"#)
    case 9:
      line = line.replacingOccurrences(of: #""env":"prod","#, with: "").replacingOccurrences(
        of: "}", with: #","env":"dev"}"#)
    case 10:
      line = line.replacingOccurrences(of: #""stream_outcome":"completed"}"#, with: #""stream_outcome""#)
    default: break
    }
    return Array(line.utf8)
  }

  @Test func aLineParsesTheSameAfterOthersAsAlone() {
    var r = SeededRandom(seed: 29)
    let parser = CallLogParser()
    var shared = CallBatch()
    var predicted = 0
    for _ in 0..<4_000 {
      let bytes = Self.line(&r)
      let alone = bytes.withUnsafeBytes { b -> Result<CallRecord, RejectReason> in
        var batch = CallBatch()
        do throws(RejectReason) {
          try parser.parse(b, into: &batch)
          return .success(batch.record(at: 0))
        } catch { return .failure(error) }
      }
      let after = bytes.withUnsafeBytes { b -> Result<CallRecord, RejectReason> in
        do throws(RejectReason) {
          try parser.parse(b, into: &shared)
          return .success(shared.record(at: shared.count - 1))
        } catch { return .failure(error) }
      }
      switch (alone, after) {
      case (.success(let a), .success(let b)):
        #expect(a == b, "\(String(decoding: bytes, as: UTF8.self))")
        predicted += 1
      case (.failure(let a), .failure(let b)):
        #expect("\(a)" == "\(b)", "\(String(decoding: bytes, as: UTF8.self))")
      default:
        Issue.record(
          "parsed alone \(alone), after others \(after): \(String(decoding: bytes, as: UTF8.self))")
      }
    }
    // The template's order was learnt: most lines went through the expected keys.
    #expect(predicted > 2_000 && shared.nextKey[0] >= 0)
  }
}
