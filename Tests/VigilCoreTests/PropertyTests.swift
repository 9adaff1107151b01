import Testing

@testable import VigilCore

/// Bounded fuzzing that CI runs on every change: seeded random input for the parts that read
/// what outsiders send. Nothing may trap; what is accepted stays within the contract's bounds.
/// (`scripts/fuzz` runs the same entry points under libFuzzer for as long as one likes.)
@Suite struct PropertyTests {
  static let keys = [
    "ts", "timestamp", "status", "status_code", "provider", "model", "latency_ms", "latency_s", "attempt",
    "http.request.resend_count", "max_attempts", "max_retries", "retries_exhausted", "error_type",
    "error_code", "request_id", "retry_after_s", "ratelimit_remaining_requests", "prompt_tokens",
    "completion_tokens", "gen_ai.usage.input_tokens", "app", "env", "endpoint", "other", "stream",
    "gen_ai.request.stream", "ttft_ms", "gen_ai.server.ttft", "stream_outcome", "stream_error_type",
    "error_after_ms", "output_tokens_partial", "max_chunk_gap_ms",
  ]
  static let numbers = [
    "0", "-0", "1", "-1", "200", "429", "1e12", "1764077524", "1764077524000", "9223372036854775807",
    "-9223372036854775808", "9223372036854775808", "1e19", "9e18", "1e308", "-1e308", "1e400", "1.5",
    "0.000001", "123456789012345678901234567890", "2e2", "1099511627776", "1099511627777", "604800000",
    "604800001",
  ]
  static let strings = [
    #""openai""#, #""2026-11-25T13:32:04Z""#, #""0000-01-01T00:00:00Z""#, #""9999-12-31T23:59:60Z""#,
    #""insufficient_quota""#, #""error_event""#, #""truncated""#, #""overloaded_error""#, #""\u001b[2J""#,
    #""\ud83d\ude80""#, #""a\nb""#, #""""#,
  ]

  static func value(_ r: inout SeededRandom, depth: Int = 0) -> String {
    switch r.next() % 8 {
    case 0, 1, 2: return numbers.randomElement(using: &r)!
    case 3, 4: return strings.randomElement(using: &r)!
    case 5: return ["true", "false", "null"].randomElement(using: &r)!
    case 6 where depth < 3: return object(&r, depth: depth + 1)
    default: return "[" + value(&r, depth: depth + 1) + "]"
    }
  }

  static func object(_ r: inout SeededRandom, depth: Int = 0) -> String {
    let n = Int(r.next() % 8)
    let fields = (0..<n).map { _ in "\"\(keys.randomElement(using: &r)!)\":\(value(&r, depth: depth))" }
    return "{" + fields.joined(separator: ",") + "}"
  }

  static func mutate(_ line: String, _ r: inout SeededRandom) -> [UInt8] {
    var bytes = Array(line.utf8)
    for _ in 0..<Int(r.next() % 4) where !bytes.isEmpty {
      let i = Int(r.next() % UInt64(bytes.count))
      switch r.next() % 3 {
      case 0: bytes[i] = UInt8(truncatingIfNeeded: r.next())
      case 1: bytes.remove(at: i)
      default: bytes.insert(UInt8(truncatingIfNeeded: r.next()), at: i)
      }
    }
    return bytes
  }

  @Test func theParserAndTheSumsTakeAnyLine() throws {
    var r = SeededRandom(seed: 11)
    let parser = CallLogParser()
    var metrics = CallMetrics()
    var accepted = 0
    for _ in 0..<20_000 {
      var line = "{\"ts\":\(1_764_077_524 + Int(r.next() % 100)),\"status\":\(200 + Int(r.next() % 400)),"
      line += String(Self.object(&r).dropFirst())
      let bytes = r.next() % 2 == 0 ? Array(line.utf8) : Self.mutate(line, &r)
      var batch = CallBatch()
      let ok = bytes.withUnsafeBytes { b in (try? parser.parse(b, into: &batch)) != nil }
      guard ok else { continue }
      accepted += 1
      var rollup = Rollup()
      for row in batch.rows {
        #expect(row.promptTokens >= 0 && row.promptTokens <= CallLimits.maxTokens)
        #expect(row.completionTokens >= 0 && row.completionTokens <= CallLimits.maxTokens)
        #expect(
          !row.flags.contains(.latency) || (row.latencyMs >= 0 && row.latencyMs <= CallLimits.maxLatencyMs)
        )
        #expect(row.attempt >= 1)
        #expect(!row.flags.contains(.ttft) || (row.ttftMs > 0 && row.ttftMs <= CallLimits.maxLatencyMs))
        #expect(row.outputTokensPartial >= 0 && row.outputTokensPartial <= CallLimits.maxTokens)
        #expect(StreamOutcome(code: row.streamOutcome) != nil || row.streamOutcome == 0)
        rollup.add(row)
        rollup.merge(rollup)
      }
      metrics.add(batch)
      _ = rollup.latency.quantile(0.99)
      // What was accepted comes back whole from its canonical line (the intake spool's form).
      let record = batch.record(at: 0)
      #expect((try? parser.parse(record.line)) == record, "\(record.line)")
    }
    #expect(accepted > 500, "the generator must reach the accepting paths too")
  }

  @Test func durationsRetryAfterAndTimestampsTakeAnyText() {
    var r = SeededRandom(seed: 12)
    let alphabet = Array("0123456789smhdw ,:-TZ+.GMTSunNovMonJan".unicodeScalars)
    for _ in 0..<50_000 {
      var text = ""
      for _ in 0..<Int(r.next() % 24) { text.unicodeScalars.append(alphabet.randomElement(using: &r)!) }
      if let ms = DurationText.parseMs(text) {
        #expect(ms >= 0 && ms <= DurationText.maxMs)
        #expect(DurationText.parseMs(DurationText.format(ms)) == ms)
      }
      if let wait = RetryAfter.parse(text, nowMs: 1_795_600_800_000) {
        #expect(wait >= 0 && wait <= RetryAfter.maxMs)
      }
      if let ms = Timestamp.parseRFC3339(text) { _ = Timestamp.formatRFC3339(ms) }
    }
  }

  @Test func escapedTextHasNoControlCharacters() {
    var r = SeededRandom(seed: 13)
    for _ in 0..<5000 {
      var text = ""
      for _ in 0..<Int(r.next() % 16) {
        let v = UInt32(truncatingIfNeeded: r.next() % 0x2100)
        if let u = Unicode.Scalar(v) { text.unicodeScalars.append(u) }
      }
      #expect(!TerminalText.escape(text).unicodeScalars.contains(where: TerminalText.needsEscape))
    }
  }
}
