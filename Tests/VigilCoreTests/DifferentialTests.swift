import Foundation
import Testing

@testable import VigilCore

/// Compares the byte-level parser with Foundation's JSONSerialization plus an independent reading
/// of the contract, on generated lines and on mutations of them.
@Suite struct DifferentialTests {
  /// Aliases in priority order, with the conversion each applies (independent of the parser's table).
  static let fields: [(String, [String])] = [
    ("ts", ["ts", "timestamp", "time", "@timestamp"]),
    ("status", ["status", "status_code", "http_status", "http.response.status_code"]),
    ("provider", ["provider", "gen_ai.provider.name", "gen_ai.system"]),
    ("model", ["model", "gen_ai.request.model"]),
    ("latency", ["latency_ms", "duration_ms", "elapsed_ms", "latency_s", "duration_s"]),
    ("attempt", ["attempt", "http.request.resend_count"]),
    ("max_attempts", ["max_attempts", "max_retries"]),
    ("exhausted", ["retries_exhausted", "gave_up"]),
    ("error_type", ["error_type", "error.type"]),
    ("error_code", ["error_code", "code", "error.code"]),
    ("request_id", ["request_id", "x_request_id"]),
    ("retry_after", ["retry_after_s", "retry_after"]),
    ("prompt_tokens", ["prompt_tokens", "gen_ai.usage.input_tokens"]),
    ("completion_tokens", ["completion_tokens", "gen_ai.usage.output_tokens"]),
    ("app", ["app"]), ("env", ["env"]), ("endpoint", ["endpoint"]),
  ]
  static let prefixes: Set<String> = [
    "http", "http.response", "http.request", "gen_ai", "gen_ai.provider", "gen_ai.request", "gen_ai.usage",
    "error",
  ]

  enum Expected: Equatable {
    case record(CallRecord)
    case reject(RejectReason.Kind)
  }

  static func isBool(_ v: Any) -> Bool { String(describing: type(of: v)).contains("Boolean") }

  static func flatten(_ dict: [String: Any], prefix: String, into flat: inout [String: Any]) {
    for (k, v) in dict {
      let path = prefix.isEmpty ? k : prefix + "." + k
      if let sub = v as? [String: Any], prefixes.contains(path) {
        flatten(sub, prefix: path, into: &flat)
      } else {
        flat[path] = v
      }
    }
  }

  /// The contract, read from JSONSerialization's result.
  static func expected(_ line: [UInt8]) -> Expected {
    guard let object = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
    else {
      return .reject(.syntax)
    }
    guard let dict = object as? [String: Any] else { return .reject(.notObject) }
    var flat: [String: Any] = [:]
    flatten(dict, prefix: "", into: &flat)
    var r = CallRecord(timestampMs: 0, status: 0)
    var hasTs = false
    var hasStatus = false
    func number(_ v: Any) -> Double? {
      guard !isBool(v), let n = v as? NSNumber else { return nil }
      return n.doubleValue
    }
    func integer(_ v: Any) -> Int64? {
      guard let d = number(v), d.rounded() == d, abs(d) < 9.2e18 else { return nil }
      return Int64(d)
    }
    for (field, aliases) in fields {
      guard let alias = aliases.first(where: { flat[$0] != nil && !(flat[$0] is NSNull) }),
        let v = flat[alias]
      else { continue }
      switch field {
      case "ts":
        if let s = v as? String {
          guard let ms = Timestamp.parseRFC3339(s) else { return .reject(.badValue) }
          r.timestampMs = ms
        } else if let d = number(v) {
          let ms = d >= 1e12 ? d : d * 1000
          guard ms >= 0, ms <= Double(Timestamp.maxMs) else { return .reject(.badValue) }
          r.timestampMs = Int64(ms)
        } else {
          return .reject(.badValue)
        }
        hasTs = true
      case "status":
        guard let s = integer(v), s == 0 || (100...599).contains(s) else { return .reject(.badValue) }
        r.status = Int(s)
        hasStatus = true
      case "latency":
        guard var d = number(v) else { return .reject(.badValue) }
        if alias.hasSuffix("_s") { d *= 1000 }
        guard d >= 0, d <= 604_800_000 else { return .reject(.badValue) }
        r.latencyMs = d
      case "attempt", "max_attempts":
        guard var n = integer(v) else { return .reject(.badValue) }
        if alias == "http.request.resend_count" || alias == "max_retries" { n += 1 }
        guard n >= 1, n <= Int64(Int32.max) else { return .reject(.badValue) }
        if field == "attempt" { r.attempt = Int(n) } else { r.maxAttempts = Int(n) }
      case "exhausted":
        guard isBool(v), let b = v as? Bool else { return .reject(.badValue) }
        r.retriesExhausted = b
      case "retry_after":
        guard let d = number(v), d >= 0 else { return .reject(.badValue) }
        r.retryAfterS = d
      case "prompt_tokens", "completion_tokens":
        guard let n = integer(v), n >= 0, n <= 1 << 40 else { return .reject(.badValue) }
        if field == "prompt_tokens" { r.promptTokens = n } else { r.completionTokens = n }
      default:
        guard let s = v as? String else { return .reject(.badValue) }
        switch field {
        case "provider": r.provider = s
        case "model": r.model = s
        case "error_type": r.errorType = s
        case "error_code": r.errorCode = s
        case "request_id": r.requestID = s
        case "app": r.app = s
        case "env": r.env = s
        default: r.endpoint = s
        }
      }
    }
    guard hasTs, hasStatus else { return .reject(.missingField) }
    return .record(r)
  }

  // MARK: Generation

  static let strings = [
    "openai", "anthropic", "gpt-4o", "", "caf\\u00e9", "tab\\there", "quote\\\"d", "emoji\\ud83d\\ude00",
    "ünï",
    "slash\\/", "back\\\\slash",
  ]

  static func value(for field: String, alias: String, _ rng: inout SplitMix) -> String {
    if rng.below(12) == 0 {
      return ["null", "true", "\"str\"", "[1,2]", "{\"k\":1}", "-3", "1e400"][rng.below(7)]
    }
    switch field {
    case "ts":
      switch rng.below(4) {
      case 0: return "\"2026-11-25T13:32:0\(rng.below(10)).\(rng.below(1000))Z\""
      case 1: return "\"2026-11-25 13:32:04+0\(rng.below(10)):30\""
      case 2: return "\(1_795_613_524 + rng.below(1000)).\(rng.below(1000))"
      default: return "\(1_795_613_524_000 + Int64(rng.below(100_000)))"
      }
    case "status":
      return ["200", "429", "500", "503", "0", "401", "2e2", "200.0", "404.5", "99", "600"][rng.below(11)]
    case "exhausted": return rng.below(2) == 0 ? "true" : "false"
    case "latency", "retry_after":
      return [
        "812.5", "0", "1.5e3", "0.001", "12345678.123456789", "-0.0", "3E-2", "1234567890123456789012",
      ][rng.below(8)]
    case "attempt", "max_attempts", "prompt_tokens", "completion_tokens":
      return ["1", "2", "3", "0", "10", "-1", "1.0", "12345678901"][rng.below(8)]
    default: return "\"\(strings[rng.below(strings.count)])\""
    }
  }

  static func ws(_ rng: inout SplitMix) -> String { [" ", "", "", "\t", "\r\n", "  "][rng.below(6)] }

  static func generate(_ rng: inout SplitMix) -> String {
    var members: [String] = []
    // A second object under the same key would replace the first (the last duplicate wins), so
    // each top-level prefix is used in nested form at most once.
    var nestedRoots: Set<String> = []
    for (field, aliases) in fields where rng.below(3) != 0 || field == "ts" || field == "status" {
      if rng.below(20) == 0 { continue }  // sometimes even required fields are missing
      let alias = aliases[rng.below(aliases.count)]
      let v = value(for: field, alias: alias, &rng)
      let parts = alias.split(separator: ".").map(String.init)
      if parts.count > 1 && rng.below(2) == 0 && nestedRoots.insert(parts[0]).inserted {
        // The nested form: {"http":{"response":{"status_code":v}}}
        var nested = "\"\(parts.last!)\":\(ws(&rng))\(v)"
        for part in parts.dropLast().reversed() { nested = "\"\(part)\":{\(nested)}" }
        members.append(nested)
        continue  // a flat duplicate of a nested value has no defined order against it
      } else {
        members.append("\"\(alias)\"\(ws(&rng)):\(ws(&rng))\(v)")
      }
      // Sometimes a duplicate key.
      if rng.below(15) == 0 { members.append("\"\(alias)\":\(value(for: field, alias: alias, &rng))") }
    }
    if rng.below(3) == 0 { members.append(#""extra":{"deep":[1,{"x":[null,true,"\u0041"]}],"n":-1.5e-7}"#) }
    members.shuffle(using: &rng)
    return ws(&rng) + "{" + members.joined(separator: "," + ws(&rng)) + "}" + ws(&rng)
  }

  static func mutate(_ line: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
    var bytes = line
    guard !bytes.isEmpty else { return bytes }
    let at = rng.below(bytes.count)
    let noise: [UInt8] = Array("\"{}[],:\\0123456789eE.-+ tfn".utf8) + [0xFF, 0xC3, 0x80, 0x00, 0x01]
    switch rng.below(4) {
    case 0: bytes.remove(at: at)
    case 1: bytes.insert(noise[rng.below(noise.count)], at: at)
    case 2: bytes[at] = noise[rng.below(noise.count)]
    default: bytes.removeSubrange(at...)
    }
    return bytes
  }

  /// Foundation accepts a trailing comma (`[1,]`, `{"a":1,}`), which RFC 8259 does not.
  static func foundationLeniency(_ line: [UInt8]) -> Bool {
    let text = String(decoding: line, as: UTF8.self)
    return text.range(of: #",\s*[\]}]"#, options: .regularExpression) != nil
  }

  /// Foundation converts a number only if it is the value that stays; an out-of-range number that a
  /// duplicate key overwrites is not noticed. The parser rejects every out-of-range number.
  static func overwrittenOverflow(_ line: [UInt8]) -> Bool {
    String(decoding: line, as: UTF8.self).contains("e400")
  }

  func check(_ line: [UInt8], _ parser: CallLogParser, _ counts: inout [String: Int]) {
    let want = Self.expected(line)
    let got: Expected
    let result: Result<CallRecord, RejectReason> = line.withUnsafeBytes { b in
      do throws(RejectReason) { return .success(try parser.parse(b)) } catch { return .failure(error) }
    }
    switch result {
    case .success(let r): got = .record(r)
    case .failure(let e): got = .reject(e.kind)
    }
    if got == want {
      counts[{ if case .record = want { "accepted" } else { "rejected" } }(), default: 0] += 1
      return
    }
    if case .reject(.syntax) = got, Self.foundationLeniency(line) || Self.overwrittenOverflow(line) {
      counts["foundation-lenient", default: 0] += 1
      return
    }
    // Long decimals: Foundation's conversion can be a few units in the last place off, where strtod
    // (which the parser uses) rounds correctly; compare such values with a relative tolerance.
    if case .record(var a) = got, case .record(let b) = want {
      func close(_ x: Double?, _ y: Double?) -> Bool {
        guard let x, let y else { return x == y }
        return abs(x - y) <= abs(y) * 1e-12
      }
      if close(a.latencyMs, b.latencyMs) && close(a.retryAfterS, b.retryAfterS) {
        a.latencyMs = b.latencyMs
        a.retryAfterS = b.retryAfterS
        if a == b { return }
      }
    }
    var detail = "parser \(got), reference \(want)"
    if case .record(let a) = got, case .record(let b) = want {
      let fa = Mirror(reflecting: a).children.map { "\($0.label!)=\($0.value)" }
      let fb = Mirror(reflecting: b).children.map { "\($0.label!)=\($0.value)" }
      detail =
        "fields differ: " + zip(fa, fb).filter { $0 != $1 }.map { "\($0) vs \($1)" }.joined(separator: "; ")
    }
    Issue.record("differs on \(String(decoding: line, as: UTF8.self)): \(detail)")
  }

  @Test func agreesWithJSONSerializationOnGeneratedAndMutatedLines() {
    var rng = SplitMix(seed: 2026)
    let parser = CallLogParser()
    var counts: [String: Int] = [:]
    for _ in 0..<4000 {
      let line = Array(Self.generate(&rng).utf8)
      check(line, parser, &counts)
      for _ in 0..<3 { check(Self.mutate(line, &rng), parser, &counts) }
    }
    // The generator must exercise both outcomes in quantity, or the comparison proves little.
    #expect(counts["accepted", default: 0] > 1000)
    #expect(counts["rejected", default: 0] > 3000)
  }

  /// The ingest path parses every line into one batch: a line that fails half-way (after its
  /// request id or a dimension was taken) must leave nothing behind for the lines after it.
  @Test func oneBatchOfManyLinesHoldsExactlyWhatEachLineAloneGives() {
    var rng = SplitMix(seed: 7)
    let parser = CallLogParser()
    var batch = CallBatch()
    var alone: [CallRecord] = []
    var failed = 0
    for _ in 0..<3000 {
      let generated = Array(Self.generate(&rng).utf8)
      for line in [generated, Self.mutate(generated, &rng)] {
        let single = line.withUnsafeBytes { b in try? parser.parse(b) }
        let added = line.withUnsafeBytes { b in (try? parser.parse(b, into: &batch)) != nil }
        #expect(added == (single != nil))
        if let single { alone.append(single) } else { failed += 1 }
      }
    }
    #expect(failed > 1000 && alone.count > 500, "failed \(failed), stored \(alone.count)")
    #expect(batch.records == alone)
    #expect(batch.rollupValues.reduce(0) { $0 + $1.attempts } == Int64(alone.count))
  }
}
