/// When a rate limit resets, as providers say it: OpenAI and Groq send a duration (`6m0s`,
/// `1.5s`, `20ms`, `2m59.56s`), Anthropic an RFC 3339 time, a logger may write seconds.
package enum RateLimitReset {
  /// The longest reset taken: a month. A daily quota resets within a day.
  package static let maxSeconds: Double = 31 * 86_400

  /// Seconds until the reset: a duration as is, a time less `callMs` (never below 0); nil when
  /// the text is neither.
  package static func seconds(_ text: some Collection<UInt8>, callMs: Int64) -> Double? {
    if let d = duration(text) { return d <= maxSeconds ? d : nil }
    let bytes = Array(text)
    guard let at = bytes.withUnsafeBytes({ Timestamp.parseRFC3339($0) }) else { return nil }
    return min(maxSeconds, max(0, Double(at - callMs) / 1000))
  }

  /// A Go-style duration: numbers (decimals allowed) each followed by `ms`, `s`, `m`, `h` or `d`;
  /// a bare number is seconds.
  package static func duration(_ text: some Collection<UInt8>) -> Double? {
    let b = Array(text)
    guard !b.isEmpty, b.count <= 40 else { return nil }
    var i = 0
    var total = 0.0
    while i < b.count {
      let start = i
      while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == UInt8(ascii: ".") { i += 1 }
      guard i > start, let value = Double(String(decoding: b[start..<i], as: UTF8.self)) else { return nil }
      let unitStart = i
      while i < b.count, b[i] >= UInt8(ascii: "a") && b[i] <= UInt8(ascii: "z") { i += 1 }
      let unit = String(decoding: b[unitStart..<i], as: UTF8.self)
      let scale: Double
      switch unit {
      case "ms": scale = 0.001
      case "s": scale = 1
      case "m": scale = 60
      case "h": scale = 3600
      case "d": scale = 86_400
      case "" where unitStart == b.count && start == 0: scale = 1
      default: return nil
      }
      total += value * scale
    }
    return total.isFinite ? total : nil
  }
}
