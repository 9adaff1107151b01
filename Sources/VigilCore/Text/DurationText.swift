/// Durations as Prometheus writes them: `30s`, `5m`, `1h30m`, `7d`, `2w`, `500ms`.
package enum DurationText {
  /// The longest duration accepted: 100 years (36500d). Anything longer is refused rather than
  /// carried into time arithmetic (`now - window`), where it could only overflow.
  package static let maxMs: Int64 = 36_500 * 86_400_000

  /// Why a text is not an accepted duration.
  package enum Problem: Error, Sendable, Equatable {
    /// Not of the form `30s`, `1h30m`, `500ms`.
    case syntax
    /// A duration, but longer than ``DurationText/maxMs``.
    case tooLong
  }

  /// Milliseconds of a duration, or `nil` if the text is not one or is longer than ``maxMs``.
  /// A bare `0` is zero.
  package static func parseMs(_ text: String) -> Int64? { try? parse(text) }

  /// Milliseconds of a duration; says why when the text is not one.
  package static func parse(_ text: String) throws(Problem) -> Int64 {
    if text == "0" { return 0 }
    var total: Int64 = 0
    var number: Int64 = 0
    var digits = 0
    var chars = Array(text.utf8)[...]
    guard !chars.isEmpty else { throw .syntax }
    while let c = chars.first {
      if c >= 48 && c <= 57 {
        number = number &* 10 &+ Int64(c - 48)
        digits += 1
        guard digits <= 12 else { throw .tooLong }
        chars = chars.dropFirst()
        continue
      }
      guard digits > 0 else { throw .syntax }
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
        default: throw .syntax
        }
        chars = chars.dropFirst()
      }
      let (part, overflow) = number.multipliedReportingOverflow(by: unit)
      guard !overflow, part <= maxMs - total else { throw .tooLong }
      total += part
      number = 0
      digits = 0
    }
    guard digits == 0 else { throw .syntax }
    return total
  }

  /// What is wrong with `text` as a duration, for error messages.
  package static func problem(_ text: String) -> String? {
    do {
      _ = try parse(text)
      return nil
    } catch .tooLong {
      return "'\(text)' is longer than the longest duration accepted (36500d)"
    } catch {
      return "'\(text)' is not a duration such as 30s, 5m or 1h"
    }
  }

  /// The shortest text for a duration, e.g. `90000` -> `1m30s`; a negative one with a `-`.
  package static func format(_ ms: Int64) -> String {
    if ms == 0 { return "0s" }
    if ms < 0 { return "-" + format(ms == .min ? .max : -ms) }
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
