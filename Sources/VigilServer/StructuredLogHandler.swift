import Foundation
package import Logging
import VigilCore

/// `vigil serve`'s log: one line per entry on stderr, as `text` (`ts level message key=value...`,
/// for people), `json` (an object: ts, level, source, msg, then the metadata) or `logfmt`
/// (`ts=... level=info source=VigilServer msg="..." key=value`), for log shippers. The facts of an
/// entry (rule, group, receiver, door, counts) are its metadata, so a shipper can filter on them.
/// Control characters are escaped in every format, so no input can forge a line or rewrite a
/// terminal.
package struct StructuredLogHandler: LogHandler {
  package enum Format: String, Sendable, CaseIterable {
    case text, json, logfmt
  }

  let format: Format
  let write: @Sendable (String) -> Void
  package var logLevel: Logger.Level = .info
  package var metadata: Logger.Metadata = [:]

  package init(
    format: Format, write: @escaping @Sendable (String) -> Void = StructuredLogHandler.standardError
  ) {
    self.format = format
    self.write = write
  }

  package static let standardError: @Sendable (String) -> Void = { line in
    FileHandle.standardError.write(Data(line.utf8))
  }

  package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  package func log(event: LogEvent) {
    var fields: [(String, String)] = [
      ("ts", Timestamp.formatRFC3339(WallClock.nowMs())), ("level", event.level.rawValue),
      ("source", event.source), ("msg", event.message.description),
    ]
    let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
    for (key, value) in all.sorted(by: { $0.key < $1.key }) { fields.append((key, value.description)) }
    write(Self.line(fields, format))
  }

  /// One entry as a line of `format`.
  package static func line(_ fields: [(String, String)], _ format: Format) -> String {
    switch format {
    case .text:
      // ts level message, then the metadata as logfmt pairs.
      let head = fields.prefix { ["ts", "level", "source", "msg"].contains($0.0) }
      let value = { (key: String) in head.first { $0.0 == key }?.1 ?? "" }
      var line = "\(value("ts")) \(value("level")) \(TerminalText.escape(value("msg")))"
      for (key, v) in fields.dropFirst(head.count) { line += " \(logfmtKey(key))=\(logfmtValue(v))" }
      return line + "\n"
    case .json:
      // Escaped as the text log is (a terminal escape stays visible text once parsed), then quoted.
      return "{"
        + fields.map {
          "\(JSONText.quote(TerminalText.escape($0.0))):\(JSONText.quote(TerminalText.escape($0.1)))"
        }
        .joined(separator: ",") + "}\n"
    case .logfmt:
      return fields.map { "\(logfmtKey($0.0))=\(logfmtValue($0.1))" }.joined(separator: " ") + "\n"
    }
  }

  /// A key with nothing that would end it (spaces, `=`, quotes) and no control characters.
  static func logfmtKey(_ key: String) -> String {
    let cleaned = String(
      key.unicodeScalars.filter { $0.value > 32 && $0 != "=" && $0 != "\"" }.map(Character.init))
    return cleaned.isEmpty ? "_" : cleaned
  }

  /// A value, quoted when it has to be (empty, spaces, `=`, quotes), escapes for quotes,
  /// backslashes and control characters.
  static func logfmtValue(_ value: String) -> String {
    let escaped = TerminalText.escape(value)
    let needsQuotes =
      escaped.isEmpty || escaped.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" }
    guard needsQuotes else { return escaped }
    return "\""
      + escaped.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      + "\""
  }
}
