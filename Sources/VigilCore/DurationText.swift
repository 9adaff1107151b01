/// Durations as Prometheus writes them: `30s`, `5m`, `1h30m`, `7d`, `2w`, `500ms`.
public enum DurationText {
  /// Milliseconds of a duration, or `nil` if the text is not one. A bare `0` is zero.
  public static func parseMs(_ text: String) -> Int64? {
    if text == "0" { return 0 }
    var total: Int64 = 0
    var number: Int64 = 0
    var digits = 0
    var chars = Array(text.utf8)[...]
    guard !chars.isEmpty else { return nil }
    while let c = chars.first {
      if c >= 48 && c <= 57 {
        number = number &* 10 &+ Int64(c - 48)
        digits += 1
        guard digits <= 12 else { return nil }
        chars = chars.dropFirst()
        continue
      }
      guard digits > 0 else { return nil }
      let unit: Int64
      if chars.starts(with: Array("ms".utf8)) {
        unit = 1
        chars = chars.dropFirst(2)
      } else {
        switch c {
        case UInt8(ascii: "s"): unit = 1000
        case UInt8(ascii: "m"): unit = 60_000
        case UInt8(ascii: "h"): unit = 3_600_000
        case UInt8(ascii: "d"): unit = 86_400_000
        case UInt8(ascii: "w"): unit = 604_800_000
        default: return nil
        }
        chars = chars.dropFirst()
      }
      total += number * unit
      number = 0
      digits = 0
    }
    return digits == 0 ? total : nil
  }

  /// The shortest text for a duration, e.g. `90000` -> `1m30s`.
  public static func format(_ ms: Int64) -> String {
    if ms == 0 { return "0s" }
    var rest = ms
    var out = ""
    for (unit, name) in [
      (Int64(604_800_000), "w"), (86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms"),
    ] {
      if rest >= unit {
        out += "\(rest / unit)\(name)"
        rest %= unit
      }
    }
    return out
  }
}
