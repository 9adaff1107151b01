import Testing

@testable import VigilCore

@Suite struct CallLogParserTests {
  let parser = CallLogParser()

  @Test func parsesTheCanonicalFields() throws {
    let r = try parser.parse(
      #"{"ts":"2026-11-25T13:32:04.250Z","status":429,"provider":"openai","model":"gpt-4o","latency_ms":812.5,"attempt":2,"max_attempts":5,"retries_exhausted":true,"error_type":"rate_limit_error","error_code":"rate_limit_exceeded","request_id":"req_1","retry_after_s":2,"ratelimit_remaining_requests":0,"ratelimit_remaining_tokens":1200,"prompt_tokens":10,"completion_tokens":0,"app":"chat","env":"prod","endpoint":"/v1/chat/completions"}"#
    )
    #expect(r.timestampMs == Timestamp.parseRFC3339("2026-11-25T13:32:04Z")! + 250)
    #expect(r.status == 429)
    #expect(r.provider == "openai")
    #expect(r.model == "gpt-4o")
    #expect(r.latencyMs == 812.5)
    #expect(r.attempt == 2)
    #expect(r.maxAttempts == 5)
    #expect(r.retriesExhausted)
    #expect(r.errorType == "rate_limit_error")
    #expect(r.errorCode == "rate_limit_exceeded")
    #expect(r.requestID == "req_1")
    #expect(r.retryAfterS == 2)
    #expect(r.rateLimitRemainingRequests == 0)
    #expect(r.rateLimitRemainingTokens == 1200)
    #expect(r.promptTokens == 10)
    #expect(r.completionTokens == 0)
    #expect(r.app == "chat")
    #expect(r.env == "prod")
    #expect(r.endpoint == "/v1/chat/completions")
    #expect(r.statusClass == .capacity)
  }

  @Test func defaultsForOptionalFields() throws {
    let r = try parser.parse(#"{"ts":1764077524,"status":200}"#)
    #expect(r.provider == "unknown")
    #expect(r.model == "unknown")
    #expect(r.attempt == 1)
    #expect(!r.retriesExhausted)
    #expect(r.latencyMs == nil)
    #expect(r.timestampMs == 1_764_077_524_000)
  }

  @Test(arguments: [
    (#"{"timestamp":1764077524.5,"status_code":503}"#, 1_764_077_524_500, 503),
    (#"{"time":1764077524500,"http_status":200}"#, 1_764_077_524_500, 200),
    (#"{"@timestamp":"2026-11-25T13:32:04+01:00","http.response.status_code":500}"#, 1_795_609_924_000, 500),
    (#"{"ts":"2026-11-25 13:32:04","http":{"response":{"status_code":401}}}"#, 1_795_613_524_000, 401),
    (#"{"ts":"2026-11-25t13:32:04.123456z","status":0}"#, 1_795_613_524_123, 0),
    (#"{"ts":"2026-11-25T13:32:04-0230","status":200}"#, 1_795_622_524_000, 200),
  ])
  func timestampAndStatusAliases(line: String, ms: Int64, status: Int) throws {
    let r = try parser.parse(line)
    #expect(r.timestampMs == ms)
    #expect(r.status == status)
  }

  @Test func otelAndOtherAliases() throws {
    let r = try parser.parse(
      #"{"ts":1,"status":200,"gen_ai.provider.name":"anthropic","gen_ai.request.model":"claude","duration_s":1.5,"http.request.resend_count":2,"max_retries":3,"gave_up":true,"error":{"type":"overloaded_error","code":"x"},"x_request_id":"r","retry_after":7,"gen_ai":{"usage":{"input_tokens":5,"output_tokens":6}}}"#
    )
    #expect(r.provider == "anthropic")
    #expect(r.model == "claude")
    #expect(r.latencyMs == 1500)
    #expect(r.attempt == 3)
    #expect(r.maxAttempts == 4)
    #expect(r.retriesExhausted)
    #expect(r.errorType == "overloaded_error")
    #expect(r.errorCode == "x")
    #expect(r.requestID == "r")
    #expect(r.retryAfterS == 7)
    #expect(r.promptTokens == 5)
    #expect(r.completionTokens == 6)
    let system = try parser.parse(
      #"{"ts":1,"status":200,"gen_ai.system":"google","code":"insufficient_quota"}"#)
    #expect(system.provider == "google")
    #expect(system.errorCode == "insufficient_quota")
  }

  @Test func canonicalNameBeatsAliasInAnyOrderAndLastDuplicateWins() throws {
    let r = try parser.parse(#"{"status_code":500,"ts":1,"status":200,"provider":"a","provider":"b"}"#)
    #expect(r.status == 200)
    #expect(r.provider == "b")
    // null counts as absent, so the alias supplies the value.
    let n = try parser.parse(#"{"ts":1,"status":null,"status_code":502}"#)
    #expect(n.status == 502)
  }

  @Test func stringsWithEscapes() throws {
    let r = try parser.parse(
      #"{"ts":1,"status":200,"model":"a\"b\\c\/d\b\f\n\r\t","app":"\u00e9\ud83d\ude00","env":"caf\u00E9","\u0070rovider":"esc"}"#
    )
    #expect(r.model == "a\"b\\c/d\u{8}\u{c}\n\r\t")
    #expect(r.app == "é😀")
    #expect(r.env == "café")
    #expect(r.provider == "esc")
  }

  @Test func numbersInEveryForm() throws {
    #expect(try parser.parse(#"{"ts":1,"status":2e2}"#).status == 200)
    #expect(try parser.parse(#"{"ts":1,"status":200.0}"#).status == 200)
    #expect(try parser.parse(#"{"ts":1,"status":200,"latency_ms":1.5E+3}"#).latencyMs == 1500)
    #expect(try parser.parse(#"{"ts":1,"status":200,"latency_ms":0.1}"#).latencyMs == 0.1)
    #expect(
      try parser.parse(#"{"ts":1,"status":200,"retry_after_s":123456789012345678901234567890}"#).retryAfterS
        == 1.2345678901234568e29)
    #expect(try parser.parse(#"{"ts":1,"status":200,"prompt_tokens":-0}"#).promptTokens == 0)
    #expect(throws: RejectReason.self) { try parser.parse(#"{"ts":1,"status":200.5}"#) }
    #expect(throws: RejectReason.self) { try parser.parse(#"{"ts":1,"status":0200}"#) }
    #expect(throws: RejectReason.self) { try parser.parse(#"{"ts":1,"status":2.}"#) }
    #expect(throws: RejectReason.self) { try parser.parse(#"{"ts":1,"status":+200}"#) }
  }

  @Test func nestedValuesAreSkippedAndWhitespaceIgnored() throws {
    let r = try parser.parse(
      " \t{ \"extra\" : [1, {\"a\": [true, false, null]}, \"x\"], \"ts\" : 1 , \"status\":\r\n200, \"meta\":{\"k\":{}} } \r"
    )
    #expect(r.status == 200)
  }

  @Test(arguments: [
    ("", RejectReason.Kind.syntax),
    ("   ", .syntax),
    ("not json", .syntax),
    (#"{"ts":1,"status":200"#, .syntax),
    (#"{"ts":1,"status":200}}"#, .syntax),
    (#"{"ts":1,"status":200,}"#, .syntax),
    (#"{"ts":1 "status":200}"#, .syntax),
    (#"[1,2,3]"#, .notObject),
    (#""a string""#, .notObject),
    ("42", .notObject),
    ("null", .notObject),
    (#"{"status":200}"#, .missingField),
    (#"{"ts":1}"#, .missingField),
    (#"{"ts":null,"status":200}"#, .missingField),
    (#"{"ts":1,"status":"200"}"#, .badValue),
    (#"{"ts":true,"status":200}"#, .badValue),
    (#"{"ts":"yesterday","status":200}"#, .badValue),
    (#"{"ts":"2026-02-30T00:00:00Z","status":200}"#, .badValue),
    (#"{"ts":1,"status":999}"#, .badValue),
    (#"{"ts":1,"status":200,"model":7}"#, .badValue),
    (#"{"ts":1,"status":200,"latency_ms":"fast"}"#, .badValue),
    (#"{"ts":1,"status":200,"latency_ms":-1}"#, .badValue),
    (#"{"ts":1,"status":200,"attempt":0}"#, .badValue),
    (#"{"ts":1,"status":200,"retries_exhausted":"yes"}"#, .badValue),
    (#"{"ts":1,"status":200,"provider":{"name":"x"}}"#, .badValue),
    (#"{"ts":1,"status":200,"prompt_tokens":9000000000000000000}"#, .badValue),
    (#"{"ts":1,"status":200,"completion_tokens":-5}"#, .badValue),
    (#"{"ts":1,"status":200,"prompt_tokens":1e19}"#, .badValue),
    (#"{"ts":1,"status":200,"latency_s":1e306}"#, .badValue),
    (#"{"ts":1,"status":200,"latency_ms":604800001}"#, .badValue),
    (#"{"ts":1,"status":200,"model":"\ud800"}"#, .syntax),
    (#"{"ts":1,"status":200,"model":"\x"}"#, .syntax),
    ("{\"ts\":1,\"status\":200,\"model\":\"a\u{1}\"}", .syntax),
  ])
  func rejectsWithAReason(line: String, kind: RejectReason.Kind) {
    do {
      _ = try parser.parse(line)
      Issue.record("accepted \(line)")
    } catch {
      #expect(error.kind == kind, "\(line): \(error.message)")
      #expect(!error.message.isEmpty)
    }
  }

  @Test func invalidUTF8IsRejected() {
    for bytes: [UInt8] in [
      Array(#"{"ts":1,"status":200,"model":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
      Array(#"{"ts":1,"status":200,"model":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),
      Array(#"{"ts":1,"status":200,"model":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8),
      Array(#"{"ts":1,"status":200,"model":""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#""}"#.utf8),
      [0xFF, 0xFE, 0x00, 0x01],
    ] {
      #expect(throws: RejectReason.self) {
        try bytes.withUnsafeBytes { b throws(RejectReason) in try parser.parse(b) }
      }
    }
  }

  @Test func syntaxErrorsSayWhere() {
    do {
      _ = try parser.parse(#"{"ts":1 "status":200}"#)
    } catch {
      #expect(error.message == "invalid JSON at column 9: expected ',' or '}'")
    }
  }

  @Test func deepNestingIsRejectedNotACrash() {
    let deep = #"{"ts":1,"status":200,"x":"# + String(repeating: "[", count: 100_000) + "}"
    #expect(throws: RejectReason.self) { try parser.parse(deep) }
  }

  @Test func aBatchHoldsWhatEachLineParsedAloneGivesAndAFailedLineLeavesNoTrace() throws {
    let lines = [
      #"{"ts":1,"status":200,"provider":"openai","model":"gpt-4o","request_id":"r-1"}"#,
      #"{"ts":2,"status":500,"provider":"openai","model":"claude-3-5-sonnet-20241022","app":"a"}"#,
      // Fails on its last field, after its request id was read.
      #"{"ts":3,"status":200,"request_id":"half-way","prompt_tokens":"x"}"#,
      #"{"ts":4,"status":429,"provider":"","model":"gpt-4o","error":{"code":"insufficient_quota"}}"#,
      // The same series as the first line, one name written with escapes.
      #"{"ts":5,"status":200,"provider":"openai","model":"gpt-4o","app":""}"#,
      #"{"ts":6,"status":503,"retry_after_s":2.5,"ratelimit_remaining_requests":0,"error_type":"overloaded"}"#,
      // Anthropic's "credit balance too low" is a 400, and is quota all the same.
      #"{"ts":7,"status":400,"provider":"anthropic","error_code":"credit_balance_too_low"}"#,
      #"{"ts":8,"status":429,"provider":"openai","error_code":"rate_limit_exceeded"}"#,
    ]
    var batch = CallBatch()
    var alone: [CallRecord] = []
    for line in lines {
      var copy = line
      let before = (batch.count, batch.text.count)
      let parsed = copy.withUTF8 { (try? parser.parse(UnsafeRawBufferPointer($0), into: &batch)) != nil }
      if parsed {
        alone.append(try parser.parse(line))
      } else {
        #expect(batch.count == before.0 && batch.text.count == before.1)
      }
    }
    #expect(batch.count == 7)
    #expect(batch.records == alone)
    #expect(batch.records[5].statusClass == .quota && batch.records[6].statusClass == .capacity)
    #expect(batch.records[2].statusClass == .quota)
    #expect(batch.records[3].app == "" && batch.records[0].app == nil)
    // Lines 1 and 5 share a series (app "" is no app) and a bucket: one rollup of two calls.
    #expect(batch.rows[0].slot == batch.rows[3].slot)
    #expect(batch.rollupValues[Int(batch.rows[0].slot)].attempts == 2)
    #expect(batch.rollupValues.reduce(0) { $0 + $1.attempts } == 7)
    #expect(batch.records[4].retryAfterS == 2.5 && batch.records[4].rateLimitRemainingRequests == 0)
  }

  /// The ingest path classifies from the batch's bytes, records from strings: the two must agree,
  /// and each class must land in its rollup column.
  @Test func theBatchClassifiesEveryLineAsItsRecordDoes() throws {
    let lines: [(String, StatusClass)] = [
      (#"{"ts":1,"status":200,"finish_reason":"stop"}"#, .success),
      (#"{"ts":1,"status":200,"finish_reason":"content_filter"}"#, .contentFilter),
      (#"{"ts":1,"status":200,"stop_reason":"refusal"}"#, .contentFilter),
      (#"{"ts":1,"status":200,"finish_reason":"SAFETY"}"#, .contentFilter),
      (#"{"ts":1,"status":200,"finish_reason":"guardrail_intervened"}"#, .contentFilter),
      (#"{"ts":1,"status":400,"error_code":"content_filter"}"#, .contentFilter),
      (#"{"ts":1,"status":400,"error_code":"context_length_exceeded"}"#, .contextLength),
      (#"{"ts":1,"status":400,"error_type":"invalid_request_error"}"#, .client),
      (#"{"ts":1,"status":499}"#, .cancelled),
      (#"{"ts":1,"status":0,"error_type":"CancelledError"}"#, .cancelled),
      (#"{"ts":1,"status":0,"error_type":"APITimeoutError"}"#, .network),
      (#"{"ts":1,"status":429,"error_code":"insufficient_quota"}"#, .quota),
      (#"{"ts":1,"status":429}"#, .capacity),
      (#"{"ts":1,"status":502,"finish_reason":"content_filter"}"#, .server),
      (#"{"ts":1,"status":400,"error_code":"API_KEY_INVALID"}"#, .client),
      (#"{"ts":1,"status":429,"error_code":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}"#, .quota),
    ]
    var batch = CallBatch()
    for (line, expected) in lines {
      var copy = line
      try copy.withUTF8 { try parser.parse(UnsafeRawBufferPointer($0), into: &batch) }
      let record = try parser.parse(line)
      #expect(record.statusClass == expected, "\(line)")
      #expect(Int(batch.rows[batch.count - 1].statusClass) == expected.index, "\(line)")
    }
    #expect(batch.records[2].finishReason == "refusal")
    var total = Rollup()
    for r in batch.rollupValues { total.merge(r) }
    #expect(total.count(of: .contentFilter) == 5 && total.count(of: .contextLength) == 1)
    #expect(total.count(of: .cancelled) == 2 && total.count(of: .success) == 1)
    // Cancelled calls are not errors; a filtered 200 is not one either (it is not a 2xx success).
    #expect(total.errors == 9)
    // Gemini's 400 API_KEY_INVALID is a bad key, as a 401 would be.
    #expect(total.auth == 1)
  }

  @Test func byteComparisonAgreesWithArraysAtEveryLengthAndEveryDifferingPosition() {
    for n in 0...40 {
      let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      #expect(
        a.withUnsafeBufferPointer { x in
          a.withUnsafeBufferPointer { y in sameBytes(x.baseAddress!, y.baseAddress!, n) }
        })
      for k in 0..<n {
        var b = a
        b[k] ^= 0x20
        let same = a.withUnsafeBufferPointer { x in
          b.withUnsafeBufferPointer { y in sameBytes(x.baseAddress!, y.baseAddress!, n) }
        }
        #expect(!same, "length \(n), differing at \(k)")
      }
    }
  }
}

@Suite struct CallLogParserLayoutTests {
  /// A line's values stay on the stack (Swift keeps a temporary allocation of at most 1 KiB there):
  /// a value for every key path the reader has room for fits.
  @Test func aLinesValuesFitTheStackAllocation() {
    #expect(MemoryLayout<Scalar>.stride * CallLogReader.maxKeys <= 1024)
    #expect(KeyTable.shared.keyCount <= CallLogReader.maxKeys)
  }
}
