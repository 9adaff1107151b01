/// RFC 3339 timestamps to and from milliseconds since the Unix epoch, without Foundation.
///
/// Parsing accepts `2026-11-25T13:32:04Z`, a fraction of any length (truncated to milliseconds),
/// `t`/`z` in lower case, a space instead of `T`, offsets `+01:00`, `+0100` and `+01`, and no offset
/// at all, which is taken as UTC (Python's `datetime.utcnow().isoformat()` writes that).
package enum Timestamp {
  /// The latest instant accepted anywhere: the end of year 9999.
  package static let maxMs: Int64 = 253_402_300_799_999

  /// Parses an RFC 3339 date-time; `nil` when `bytes` is not one.
  package static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) -> Int64? {
    let n = bytes.count
    var i = 0
    @inline(__always) func digits(_ count: Int) -> Int? {
      guard i + count <= n else { return nil }
      var v = 0
      for k in 0..<count {
        let c = bytes[i + k]
        guard c >= 48 && c <= 57 else { return nil }
        v = v * 10 + Int(c - 48)
      }
      i += count
      return v
    }
    @inline(__always) func expect(_ c: UInt8) -> Bool {
      guard i < n, bytes[i] == c else { return false }
      i += 1
      return true
    }
    guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else {
      return nil
    }
    guard i < n, bytes[i] == 84 || bytes[i] == 116 || bytes[i] == 32 else { return nil }
    i += 1
    guard let hour = digits(2), expect(58), let minute = digits(2), expect(58), let second = digits(2) else {
      return nil
    }
    guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month), hour <= 23,
      minute <= 59, second <= 60
    else { return nil }
    var millis = 0
    if i < n, bytes[i] == 46 {
      i += 1
      var count = 0
      while i < n, bytes[i] >= 48 && bytes[i] <= 57 {
        if count < 3 { millis = millis * 10 + Int(bytes[i] - 48) }
        count += 1
        i += 1
      }
      guard count > 0 else { return nil }
      for _ in min(count, 3)..<3 { millis *= 10 }
    }
    var offsetMinutes = 0
    if i < n {
      let c = bytes[i]
      i += 1
      if c == 90 || c == 122 {  // Z z
      } else if c == 43 || c == 45 {  // + -
        guard let oh = digits(2), oh <= 23 else { return nil }
        var om = 0
        if i < n {
          _ = expect(58)
          guard let m = digits(2), m <= 59 else { return nil }
          om = m
        }
        offsetMinutes = (oh * 60 + om) * (c == 45 ? -1 : 1)
      } else {
        return nil
      }
    }
    guard i == n else { return nil }
    let days = daysFromCivil(year: year, month: month, day: day)
    let seconds =
      Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetMinutes * 60)
    return seconds * 1000 + Int64(millis)
  }

  /// Parses an RFC 3339 date-time from a string.
  package static func parseRFC3339(_ text: String) -> Int64? {
    var text = text
    return text.withUTF8 { parseRFC3339(UnsafeRawBufferPointer($0)) }
  }

  /// Formats milliseconds since the epoch as RFC 3339 in UTC, with milliseconds only when non-zero.
  package static func formatRFC3339(_ ms: Int64) -> String {
    // Floor divisions by remainders, which cannot overflow even at Int64.min.
    let subsecond = ms % 1000
    let seconds = ms / 1000 - (subsecond < 0 ? 1 : 0)
    let millis = Int(subsecond < 0 ? subsecond + 1000 : subsecond)
    let subday = seconds % 86_400
    let days = Int(seconds / 86_400 - (subday < 0 ? 1 : 0))
    let secondOfDay = Int(subday < 0 ? subday + 86_400 : subday)
    let (y, m, d) = civilFromDays(days)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    var out =
      "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    if millis != 0 { out += "." + pad(millis, 3) }
    return out + "Z"
  }

  static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

  static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's published algorithm).
  package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }
}
