/// `Retry-After` (RFC 9110, 10.2.3): a number of seconds, or an HTTP date in any of the three
/// forms a recipient must accept (`Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete
/// `Sunday, 06-Nov-94 08:49:37 GMT`, and asctime's `Sun Nov  6 08:49:37 1994`). The wait is held to
/// a year, so that no value a server sends can overflow the arithmetic of when to try again.
package enum RetryAfter {
  package static let maxMs: Int64 = 365 * 86_400_000

  /// Milliseconds to wait from `nowMs`, or `nil` when the value is neither form.
  package static func parse(_ value: String, nowMs: Int64) -> Int64? {
    let v = Substring(value).drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
    let text = String(v.reversed())
    guard !text.isEmpty else { return nil }
    if text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
      guard let seconds = Int64(text), seconds <= maxMs / 1000 else { return maxMs }
      return seconds * 1000
    }
    guard let at = httpDateMs(text) else { return nil }
    return min(max(0, at - nowMs), maxMs)
  }

  static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

  /// Milliseconds since the epoch of an HTTP date, or `nil`.
  static func httpDateMs(_ text: String) -> Int64? {
    let parts = text.split(separator: " ", omittingEmptySubsequences: true)
    var day: Int?
    var month: Int?
    var year: Int?
    var clock: Substring?
    if parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT" {
      // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      (day, month, year, clock) = (Int(parts[1]), monthIndex(parts[2]), Int(parts[3]), parts[4])
    } else if parts.count == 4, parts[0].hasSuffix(","), parts[3] == "GMT" {
      // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
      let dmy = parts[1].split(separator: "-")
      guard dmy.count == 3, let y = Int(dmy[2]), dmy[2].count == 2 else { return nil }
      (day, month, year, clock) = (Int(dmy[0]), monthIndex(dmy[1]), y < 70 ? 2000 + y : 1900 + y, parts[2])
    } else if parts.count == 5 {
      // asctime: Sun Nov  6 08:49:37 1994
      (day, month, year, clock) = (Int(parts[2]), monthIndex(parts[1]), Int(parts[4]), parts[3])
    }
    guard let day, let month, let year, let clock, (1970...9999).contains(year),
      (1...Timestamp.daysInMonth(year: year, month: month)).contains(day)
    else { return nil }
    let hms = clock.split(separator: ":")
    guard hms.count == 3, let h = Int(hms[0]), let m = Int(hms[1]), let s = Int(hms[2]), h < 24, m < 60,
      s <= 60
    else { return nil }
    let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
    return (Int64(days) * 86_400 + Int64(h * 3600 + m * 60 + min(s, 59))) * 1000
  }

  static func monthIndex(_ name: Substring) -> Int? { months.firstIndex(of: String(name)).map { $0 + 1 } }
}
