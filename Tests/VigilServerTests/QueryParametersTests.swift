import Testing
import VigilCore

@testable import VigilServer

@Suite struct QueryParametersTests {
  @Test(
    arguments: [
      ("5m", 300_000), ("24h", 86_400_000), ("1h30m", 5_400_000),
    ] as [(String, Int64)])
  func durationsWithinTheirLimitAreRead(text: String, ms: Int64) throws {
    #expect(try QueryParameters(["window": text]).duration("window", default: 1, max: 86_400_000) == ms)
  }

  @Test(arguments: ["", "0", "0s", "-5m", "soon", "999999999999w", "99999999999d", "25h", "5 m"])
  func badDurationsAreRefusedWithTheParameterNamed(text: String) {
    #expect(throws: QueryError.self) {
      try QueryParameters(["window": text]).duration("window", default: 1, max: 86_400_000)
    }
    do {
      _ = try QueryParameters(["window": text]).duration("window", default: 1, max: 86_400_000)
    } catch {
      #expect(error.message.hasPrefix("window=\(text): "))
    }
  }

  @Test(arguments: ["-1", "0", "10001", "abc", "1.5", "99999999999999999999999", ""])
  func badCountsAreRefused(text: String) {
    #expect(throws: QueryError.self) {
      try QueryParameters(["limit": text]).count("limit", default: 5, range: 1...10_000)
    }
  }

  /// The dashboard's `from` and `to`: RFC 3339, the range form's minutes (UTC), Unix seconds.
  @Test func timesAreReadInEachFormTheDashboardGets() throws {
    let t0: Int64 = 1_795_600_800_000
    for text in ["2026-11-25T10:00:00Z", "2026-11-25T11:00:00+01:00", "2026-11-25T10:00", "1795600800"] {
      #expect(try QueryParameters(["to": text]).time("to") == t0, "\(text)")
    }
    #expect(try QueryParameters(["to": ""]).time("to") == nil && QueryParameters([:]).time("to") == nil)
    for text in ["soon", "-5", "2026-13-45T10:00", "99999999999999", "2026-11-25", "1e9", "10:00"] {
      #expect(throws: QueryError.self, "\(text)") { try QueryParameters(["from": text]).time("from") }
    }
  }

  @Test func absentParametersTakeTheirDefault() throws {
    let q = QueryParameters([:])
    #expect(try q.count("limit", default: 50, range: 1...1000) == 50)
    #expect(try q.duration("since", default: 60_000, max: 120_000) == 60_000)
    #expect(try QueryParameters(["limit": "1000"]).count("limit", default: 5, range: 1...1000) == 1000)
  }
}

@Suite struct QueryParametersFuzzTests {
  @Test func anyParameterTextIsReadOrRefused() {
    var r = SeededRandom(seed: 31)
    let alphabet = Array("0123456789-+smhdw .eE%abcTZ:".unicodeScalars)
    for _ in 0..<20_000 {
      var text = ""
      for _ in 0..<Int(r.next() % 24) { text.unicodeScalars.append(alphabet.randomElement(using: &r)!) }
      let q = QueryParameters(["window": text, "limit": text])
      if let ms = try? q.duration("window", default: 1, max: 31 * 86_400_000) {
        #expect(ms > 0 && ms <= 31 * 86_400_000)
      }
      if let n = try? q.count("limit", default: 1, range: 1...10_000) { #expect(n >= 1 && n <= 10_000) }
      if let ms = try? QueryParameters(["to": text]).time("to") {
        #expect(ms >= 0 && ms <= Timestamp.maxMs)
      }
    }
  }
}
