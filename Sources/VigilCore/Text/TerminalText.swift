/// Text from outside (a label, a model name, a rejected line, an error a receiver sent back) as
/// it may be shown on a terminal or in a log: control characters are written as escapes, so that
/// a value cannot start a new, forged line, clear the screen or recolour it (ANSI escapes), or
/// reorder what follows (bidirectional overrides).
///
/// ```swift
/// TerminalText.escape("gpt-4o\n2026-11-25T10:00:00Z RESOLVED")  // "gpt-4o\\n2026-11-25T10:00:00Z RESOLVED"
/// TerminalText.escape("\u{1B}[2J")                             // "\\u001b[2J"
/// ```
package enum TerminalText {
  package static func escape(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count + 8)
    for u in text.unicodeScalars {
      guard needsEscape(u) else {
        out.unicodeScalars.append(u)
        continue
      }
      switch u {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      }
    }
    return out
  }

  /// C0 and C1 controls, DEL, and the bidirectional embedding, override and isolate marks.
  static func needsEscape(_ u: Unicode.Scalar) -> Bool {
    switch u.value {
    case 0..<0x20, 0x7F..<0xA0, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
  }
}
