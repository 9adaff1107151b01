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
}
