/// Names of call sources: a log file (and its rotated copies) or a UDP listener.
package enum SourceName {
  /// The file a rotated copy came from, so that a source is one application log however
  /// logrotate renamed it: `app.log.1`, `app.log.2.gz`, `app.log-20261125` and
  /// `app.log-20261125.gz` are all `app.log`. Other names (`udp:127.0.0.1:9515`, stdin) stay.
  package static func family(_ name: String) -> String {
    guard !name.hasPrefix("udp:") else { return name }
    var s = Substring(name)
    if s.hasSuffix(".gz") { s = s.dropLast(3) }
    // logrotate's numbering: a dot and digits.
    if let dot = s.lastIndex(of: "."), dot < s.index(before: s.endIndex),
      s[s.index(after: dot)...].allSatisfy(\.isASCIIDigit), s[s.index(after: dot)...].count <= 4
    {
      s = s[..<dot]
    }
    // dateext: a dash (or dot) and eight or ten digits.
    for separator: Character in ["-", "."] {
      if let mark = s.lastIndex(of: separator) {
        let tail = s[s.index(after: mark)...]
        if tail.count == 8 || tail.count == 10, tail.allSatisfy(\.isASCIIDigit) { s = s[..<mark] }
      }
    }
    return String(s)
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
