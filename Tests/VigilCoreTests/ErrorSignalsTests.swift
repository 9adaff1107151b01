import Testing

@testable import VigilCore

/// The parser works out what an error code or type says once per batch (``ErrorSignals``); the
/// record works it out from strings every time. They must agree on every line, however many
/// distinct codes a batch holds (more than the memo has slots) and in whatever order they come.
@Suite struct ErrorSignalsTests {
  /// Every code the classification knows, near misses, the Kelvin sign that Swift strings take
  /// for a K, codes too long to be one, and fillers that share slots with them.
  static let codes: [String] = {
    var codes =
      Array(StatusClass.quotaSignals) + Array(StatusClass.otherSignals.keys)
      + Array(StatusClass.authSignals) + Array(StatusClass.capacityStreamErrors)
      + Array(StatusClass.clientStreamErrors)
    codes += [
      "", "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "PerDa", "perday", "xPerDay\u{301}",
      "API_\u{212A}EY_INVALID", "invalid_api_key ", "api_error", "server_error", "overloaded_érror",
      String(repeating: "PerDay", count: 34), "insufficient_quota" + String(repeating: "x", count: 190),
    ]
    codes += (0..<80).map { "filler_\($0)" }
    return codes.sorted()
  }()

  static func line(_ rng: inout SplitMix) -> String {
    let code = codes.randomElement(using: &rng)!
    let type = codes.randomElement(using: &rng)!
    var fields = [#""ts":1"#]
    switch Int.random(in: 0..<4, using: &rng) {
    case 0:
      fields.append(#""status":\#([0, 400, 401, 402, 403, 404, 408, 429, 499].randomElement(using: &rng)!)"#)
    case 1:
      let outcome = ["error_event", "error_event", "truncated", "idle_timeout", "client_cancelled"]
        .randomElement(using: &rng)!
      fields += [#""status":200"#, #""stream":true"#, #""stream_outcome":"\#(outcome)""#]
      if Bool.random(using: &rng) { fields.append(#""stream_error_type":\#(JSONText.quote(code))"#) }
    case 2: fields.append(#""status":\#([500, 503, 529].randomElement(using: &rng)!)"#)
    default: fields.append(#""status":429"#)
    }
    if Bool.random(using: &rng) { fields.append(#""error_code":\#(JSONText.quote(code))"#) }
    if Bool.random(using: &rng) { fields.append(#""error_type":\#(JSONText.quote(type))"#) }
    return "{" + fields.joined(separator: ",") + "}"
  }

  @Test func aBatchClassifiesEveryLineAsItsRecordDoes() throws {
    var rng = SplitMix(seed: 23)
    let parser = CallLogParser()
    for _ in 0..<4 {
      var batch = CallBatch()
      var lines: [String] = []
      for _ in 0..<3000 {
        var line = Self.line(&rng)
        lines.append(line)
        try line.withUTF8 { try parser.parse(UnsafeRawBufferPointer($0), into: &batch) }
      }
      var classes = Set<StatusClass>()
      var auth = 0
      for (k, line) in lines.enumerated() {
        let record = try parser.parse(line)
        #expect(Int(batch.rows[k].statusClass) == record.statusClass.index, "\(line)")
        #expect(batch.rows[k].flags.contains(.auth) == record.isAuthFailure, "\(line)")
        classes.insert(record.statusClass)
        if record.isAuthFailure && !StatusClass.isAuth(record.status) { auth += 1 }
      }
      // The lines reach every class a code can name, and auth failures by code (not by status).
      #expect(classes.count == StatusClass.allCases.count - 1)
      #expect(auth > 10)
    }
  }

  @Test func aTextThatLosesItsSlotIsWorkedOutAgain() {
    var signals = ErrorSignals()
    var seen: [String: ErrorSignals.Answers] = [:]
    for _ in 0..<3 {
      for code in Self.codes {
        var copy = code
        let answers = copy.withUTF8 { signals.answers(UnsafeRawBufferPointer($0)) }
        #expect(answers == ErrorSignals.Answers(code), "\(code)")
        if let before = seen[code] { #expect(before == answers) }
        seen[code] = answers
      }
    }
    #expect(seen["API_\u{212A}EY_INVALID"]?.auth == true)
    #expect(seen["GenerateRequestsPerDayPerProjectPerModel-FreeTier"]?.signal == .quota)
    #expect(seen["overloaded_error"]?.streamClass == .capacity)
  }
}
