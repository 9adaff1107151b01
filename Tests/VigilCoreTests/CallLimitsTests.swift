import Testing

@testable import VigilCore

/// One set of checks for every door: a record built by another source (OTLP, LiteLLM) is taken
/// exactly when the same call written as a line would be.
@Suite struct CallLimitsTests {
  static let statuses: [Int] = [-32768, -5, -1, 0, 1, 99, 100, 200, 429, 599, 600, 999, 32767, Int.max]
  static let latencies: [Double] = [-1, 0, 0.5, 1200, 604_800_000, 604_800_001, 1.8e12, .infinity, .nan]
  static let counts: [Int64] = [.min, -1, 0, 1, 1 << 40, (1 << 40) + 1, 9_000_000_000_000_000, .max]
  static let seconds: [Double] = [-1, 0, 1.5, 2_678_400, 2_678_401, 1e308, .infinity, .nan]
  static let attempts: [Int] = [Int.min, -1, 0, 1, 5, Int(Int32.max), Int(Int32.max) + 1]
  static let labels = ["openai", String(repeating: "m", count: 1024), String(repeating: "m", count: 1025)]

  /// The record as a call-log line, or nil when JSON cannot say a value (NaN, infinity).
  static func line(_ r: CallRecord) -> String? {
    var fields = [#""ts":\#(r.timestampMs)"#, #""status":\#(r.status)"#]
    fields.append(#""provider":"\#(r.provider)""#)
    fields.append(#""model":"\#(r.model)""#)
    func number(_ name: String, _ v: Double?) -> Bool {
      guard let v else { return true }
      guard v.isFinite else { return false }
      fields.append(#""\#(name)":\#(v)"#)
      return true
    }
    func integer(_ name: String, _ v: Int64?) { if let v { fields.append(#""\#(name)":\#(v)"#) } }
    guard number("latency_ms", r.latencyMs), number("retry_after_s", r.retryAfterS),
      number("ratelimit_reset_requests", r.rateLimitResetRequestsS), number("ttft_ms", r.ttftMs),
      number("error_after_ms", r.errorAfterMs)
    else { return nil }
    if let v = r.stream { fields.append(#""stream":\#(v)"#) }
    if let v = r.streamOutcome { fields.append(#""stream_outcome":"\#(v.rawValue)""#) }
    integer("output_tokens_partial", r.outputTokensPartial)
    integer("attempt", Int64(r.attempt))
    integer("max_attempts", r.maxAttempts.map(Int64.init))
    integer("prompt_tokens", r.promptTokens)
    integer("ratelimit_remaining_requests", r.rateLimitRemainingRequests)
    integer("ratelimit_limit_tokens", r.rateLimitLimitTokens)
    return "{" + fields.joined(separator: ",") + "}"
  }

  @Test func aRecordIsTakenExactlyWhenItsLineWouldBe() throws {
    var r = SeededRandom(seed: 20)
    let parser = CallLogParser()
    var taken = 0
    var compared = 0
    for _ in 0..<20_000 {
      var record = CallRecord(
        timestampMs: [0, 1_800_000_000_000, Timestamp.maxMs].randomElement(using: &r)!,
        status: Self.statuses.randomElement(using: &r)!, provider: Self.labels.randomElement(using: &r)!,
        model: "gpt-4o")
      if r.next() % 2 == 0 { record.latencyMs = Self.latencies.randomElement(using: &r)! }
      if r.next() % 3 == 0 { record.retryAfterS = Self.seconds.randomElement(using: &r)! }
      if r.next() % 3 == 0 { record.rateLimitResetRequestsS = Self.seconds.randomElement(using: &r)! }
      record.attempt = Self.attempts.randomElement(using: &r)!
      if r.next() % 3 == 0 { record.maxAttempts = Self.attempts.randomElement(using: &r)! }
      if r.next() % 2 == 0 { record.promptTokens = Self.counts.randomElement(using: &r)! }
      if r.next() % 3 == 0 { record.rateLimitRemainingRequests = Self.counts.randomElement(using: &r)! }
      if r.next() % 3 == 0 { record.rateLimitLimitTokens = Self.counts.randomElement(using: &r)! }
      if r.next() % 3 == 0 { record.stream = r.next() % 3 != 0 }
      if r.next() % 3 == 0 { record.ttftMs = Self.latencies.randomElement(using: &r)! }
      if r.next() % 4 == 0 { record.errorAfterMs = Self.latencies.randomElement(using: &r)! }
      if r.next() % 4 == 0 { record.outputTokensPartial = Self.counts.randomElement(using: &r)! }
      if r.next() % 4 == 0 { record.streamOutcome = StreamOutcome.allCases.randomElement(using: &r)! }
      var batch = CallBatch()
      let added = (try? batch.add(record)) != nil
      #expect(batch.count == (added ? 1 : 0))
      if added {
        taken += 1
        // What was taken sums without trapping.
        var metrics = CallMetrics()
        metrics.add(batch)
        #expect(batch.rollupValues.first?.attempts == 1)
      }
      guard let line = Self.line(record) else {
        #expect(!added, "a value JSON cannot hold was taken: \(record)")
        continue
      }
      compared += 1
      let parsed = (try? parser.parse(line)) != nil
      #expect(
        parsed == added,
        "line \(parsed ? "taken" : "refused"), record \(added ? "taken" : "refused"): \(line)")
    }
    #expect(taken > 200 && compared > 10_000, "\(taken) taken, \(compared) compared")
  }

  @Test(arguments: [
    (CallRecord(timestampMs: 0, status: -5), "field 'status': status -5 is not 0 or 100-599"),
    (CallRecord(timestampMs: 0, status: 200, latencyMs: 1.8e12), "field 'latency_ms'"),
    (CallRecord(timestampMs: -1, status: 200), "field 'ts': timestamp out of range"),
    (CallRecord(timestampMs: 0, status: 200, attempt: 0), "field 'attempt': must be 1 or more"),
    (
      CallRecord(timestampMs: 0, status: 200, provider: String(repeating: "p", count: 2000)),
      "field 'provider': 2000 bytes"
    ),
  ])
  func aRefusalNamesTheFieldAndWhy(record: CallRecord, message: String) {
    #expect(throws: RejectReason.self) { try CallLimits.check(record) }
    do throws(RejectReason) {
      try CallLimits.check(record)
    } catch {
      #expect(error.kind == .badValue && error.message.hasPrefix(message), "\(error.message)")
    }
  }
}

/// A record written as its line and read back is the same record: the intake spool keeps calls
/// from HTTP as lines, and the parser must give back exactly what was accepted.
@Suite struct CallLineTests {
  @Test func everyRecordTheLimitsTakeComesBackFromItsLine() throws {
    var r = SeededRandom(seed: 21)
    let parser = CallLogParser()
    let texts = [nil, "", "x", "a\"b\\c\n\u{1b}[2J", "ünï\u{0}côde", "🚀"]
    var checked = 0
    for _ in 0..<20_000 {
      var record = CallRecord(
        timestampMs: Int64.random(in: 0...Timestamp.maxMs, using: &r),
        status: [0, 100, 200, 429, 503, 599].randomElement(using: &r)!,
        provider: texts.randomElement(using: &r)! ?? "openai", model: "gpt-4o")
      if r.next() % 2 == 0 { record.latencyMs = Double.random(in: 0...CallLimits.maxLatencyMs, using: &r) }
      if r.next() % 4 == 0 {
        record.latencyMs = [0, 0.1, 1e-7, Double.leastNonzeroMagnitude, 123.456].randomElement(using: &r)!
      }
      record.attempt = Int.random(in: 1...7, using: &r)
      if r.next() % 2 == 0 { record.maxAttempts = Int.random(in: 1...Int(Int32.max), using: &r) }
      record.retriesExhausted = r.next() % 5 == 0
      record.errorType = texts.randomElement(using: &r)!
      record.errorCode = texts.randomElement(using: &r)!
      record.finishReason = texts.randomElement(using: &r)!
      record.requestID = texts.randomElement(using: &r)!
      if r.next() % 3 == 0 { record.retryAfterS = Double.random(in: 0...1e9, using: &r) }
      if r.next() % 3 == 0 {
        record.rateLimitRemainingRequests = Int64.random(in: 0...CallLimits.maxRateLimitCount, using: &r)
      }
      if r.next() % 3 == 0 { record.rateLimitLimitTokens = Int64.random(in: 0...1_000_000, using: &r) }
      if r.next() % 3 == 0 {
        record.rateLimitResetTokensS = Double.random(in: 0...RateLimitReset.maxSeconds, using: &r)
      }
      if r.next() % 2 == 0 { record.promptTokens = Int64.random(in: 0...CallLimits.maxTokens, using: &r) }
      if r.next() % 2 == 0 { record.completionTokens = Int64.random(in: 0...5000, using: &r) }
      record.app = texts.randomElement(using: &r)!
      record.env = texts.randomElement(using: &r)!
      record.endpoint = texts.randomElement(using: &r)!
      if r.next() % 2 == 0 {
        record.stream = true
        record.ttftMs = Double.random(in: 1e-6...CallLimits.maxLatencyMs, using: &r)
        record.streamOutcome = StreamOutcome.allCases.randomElement(using: &r)!
        record.streamErrorType = texts.randomElement(using: &r)!
        if r.next() % 2 == 0 { record.errorAfterMs = Double.random(in: 0...1e7, using: &r) }
        if r.next() % 2 == 0 {
          record.outputTokensPartial = Int64.random(in: 0...CallLimits.maxTokens, using: &r)
        }
        if r.next() % 2 == 0 { record.maxChunkGapMs = [0, 0.25, 123.456].randomElement(using: &r)! }
      } else if r.next() % 2 == 0 {
        record.stream = false
      }
      try CallLimits.check(record)
      let back = try parser.parse(record.line)
      #expect(back == record, "\(record.line)")
      checked += 1
    }
    #expect(checked == 20_000)
  }
}
