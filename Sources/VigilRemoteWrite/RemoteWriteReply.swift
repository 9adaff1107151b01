import VigilCore

/// What a receiver's answer to a write means for the sender. Only the status, `Retry-After` and
/// the start of the body are read, each bounded: the body only to tell a refusal of samples too
/// old (which no retry fixes) from other refusals.
package enum RemoteWriteReply: Sendable, Equatable {
  /// 2xx: the samples are stored.
  case accepted
  /// 5xx or 429: send the same samples again, after `afterMs` if the receiver said when.
  case retry(afterMs: Int64?)
  /// The receiver refuses samples this old (Prometheus: out of bounds, too old, out of order).
  case tooOld
  /// Another 4xx (or anything else): retrying would be refused the same way; the samples are dropped.
  case refused

  /// The longest wait a `Retry-After` may ask for; longer is taken as this.
  package static let maxRetryAfterMs: Int64 = 300_000
  /// How much of a body is looked at.
  package static let maxBodyBytes = 512

  package static func classify(status: Int, retryAfter: String?, body: some Collection<UInt8>, nowMs: Int64)
    -> RemoteWriteReply
  {
    switch status {
    case 200..<300: return .accepted
    case 429, 500..<600: return .retry(afterMs: retryAfter.flatMap { parseRetryAfter($0, nowMs: nowMs) })
    case 400..<500:
      let text = String(decoding: body.prefix(maxBodyBytes), as: UTF8.self).lowercased()
      let old = ["out of bounds", "too old", "out of order", "outside of the retention"]
      return old.contains(where: text.contains) ? .tooOld : .refused
    default: return .refused
    }
  }

  /// `Retry-After` as milliseconds to wait, within `0...maxRetryAfterMs`: delay-seconds (`120`) or
  /// an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`, taken against `nowMs`). Nil when it is
  /// neither; never more than 64 characters are read.
  package static func parseRetryAfter(_ value: String, nowMs: Int64) -> Int64? {
    let text = value.utf8.count <= 64 ? value.trimmingSpaces : ""
    if text.isEmpty { return nil }
    if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
      // At most 10 digits: more is beyond the cap anyway, and cannot overflow.
      guard let s = Int64(text.prefix(10)) else { return nil }
      return min(text.utf8.count > 10 ? maxRetryAfterMs : s * 1000, maxRetryAfterMs)
    }
    guard let at = parseHTTPDate(text) else { return nil }
    let (wait, overflow) = at.subtractingReportingOverflow(nowMs)
    if overflow { return at > nowMs ? maxRetryAfterMs : 0 }
    return min(max(wait, 0), maxRetryAfterMs)
  }

  /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 says to send, in ms.
  static func parseHTTPDate(_ text: String) -> Int64? {
    let parts = text.split(separator: " ")
    guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), parts[5] == "GMT",
      let day = Int(parts[1]), parts[1].count == 2, (1...31).contains(day),
      let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3]), parts[3].count == 4,
      year >= 1970
    else { return nil }
    let clock = parts[4].split(separator: ":")
    guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }), let h = Int(clock[0]), let m = Int(clock[1]),
      let s = Int(clock[2]), h < 24, m < 60, s < 61
    else { return nil }
    let days = Timestamp.daysFromCivil(year: year, month: month + 1, day: day)
    return ((Int64(days) * 24 + Int64(h)) * 60 + Int64(m)) * 60_000 + Int64(s) * 1000
  }

  static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}

extension String {
  var trimmingSpaces: String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
