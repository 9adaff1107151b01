import VigilCore

/// The time zone a report shows times in: UTC, or a zone whose offset the caller computes (the
/// command reads the IANA database through Foundation; reports need no more than the offset).
package struct ReportZone: Sendable {
  /// What the report says the times are in: `UTC`, `Europe/Paris`.
  package var name: String
  /// The zone's offset from UTC, in seconds, at an instant (ms since the epoch).
  package var offsetSeconds: @Sendable (Int64) -> Int

  package init(name: String, offsetSeconds: @escaping @Sendable (Int64) -> Int) {
    self.name = name
    self.offsetSeconds = offsetSeconds
  }

  package static let utc = ReportZone(name: "UTC", offsetSeconds: { _ in 0 })

  package var isUTC: Bool { name == "UTC" }

  /// `ms` as RFC 3339 in this zone: `2026-11-25T14:32:04+01:00` (UTC keeps its `Z`).
  package func format(_ ms: Int64) -> String {
    let offset = offsetSeconds(ms)
    guard offset != 0 || !isUTC else { return Timestamp.formatRFC3339(ms) }
    var local = Timestamp.formatRFC3339(ms + Int64(offset) * 1000)
    if local.hasSuffix("Z") { local.removeLast() }
    let sign = offset < 0 ? "-" : "+"
    let minutes = abs(offset) / 60
    func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return local + "\(sign)\(pad(minutes / 60)):\(pad(minutes % 60))"
  }
}

/// Whole numbers with thousands separators, for people: `1,234,567`.
package func formatCount(_ n: Int64) -> String {
  let digits = String(n.magnitude)
  var out = ""
  for (i, c) in digits.enumerated() {
    if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return n < 0 ? "-" + out : out
}
