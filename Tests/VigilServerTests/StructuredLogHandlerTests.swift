import Foundation
import Testing

@testable import VigilServer

/// Structured log lines stay one line each and parse, whatever a message holds.
@Suite struct StructuredLogHandlerTests {
  static let hostile = "a \"quoted\" key=value\nFORGED level=error \u{1B}[31mred\\"

  @Test func jsonLinesAreOneObjectEach() throws {
    let line = StructuredLogHandler.line([("level", "info"), ("msg", Self.hostile)], .json)
    #expect(line.hasSuffix("}\n") && line.dropLast().contains("\n") == false)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    #expect(object["level"] == "info" && object["msg"]?.contains("FORGED") == true)
    #expect(object["msg"]?.contains("\u{1B}") == false)
  }

  @Test func logfmtQuotesAndEscapes() {
    let line = StructuredLogHandler.line(
      [("level", "info"), ("msg", Self.hostile), ("source", "VigilServer")], .logfmt)
    #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"))
    #expect(line.hasPrefix("level=info msg=\"a \\\"quoted\\\" key=value"))
    #expect(line.hasSuffix(" source=VigilServer\n"))
    #expect(!line.contains("\u{1B}"))
  }

  /// The text format, for people: the message then the metadata, on one line whatever a label
  /// holds (a model name once forged a log line and cleared the terminal).
  @Test func textLinesKeepALabelFromForgingALineOrRewritingTheTerminal() {
    let model = "gpt-4o\n2026-11-25T10:00:00Z info resolved ServerErrors\u{1B}[2J"
    let line = StructuredLogHandler.line(
      [
        ("ts", "2026-11-25T10:00:00Z"), ("level", "info"), ("source", "VigilServer"),
        ("msg", "firing HighErrorRate{model=\(model)}"), ("file", "a\nb"), ("rule", "HighErrorRate"),
      ], .text)
    #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"))
    #expect(!line.contains("\u{1B}"))
    #expect(
      line.hasPrefix("2026-11-25T10:00:00Z info firing HighErrorRate{model=gpt-4o\\n2026-11-25T10:00:00Z"))
    // Metadata values as logfmt writes them: quoted once they hold a backslash.
    #expect(line.hasSuffix(#" file="a\\nb" rule=HighErrorRate"# + "\n"), "\(line)")
  }
}
