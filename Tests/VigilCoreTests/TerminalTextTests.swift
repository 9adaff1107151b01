import Testing

@testable import VigilCore

@Suite struct TerminalTextTests {
  @Test(arguments: [
    ("gpt-4o", "gpt-4o"),
    ("a\nFIRING forged", "a\\nFIRING forged"),
    ("\u{1B}[2J\u{1B}[31mred", "\\u001b[2J\\u001b[31mred"),
    ("tab\there\r", "tab\\there\\r"),
    ("nul\u{0}del\u{7F}c1\u{9B}", "nul\\u0000del\\u007fc1\\u009b"),
    ("abc\u{202E}cba", "abc\\u202ecba"),
    ("émoji 🚀 ok", "émoji 🚀 ok"),
  ])
  func controlCharactersAreEscaped(text: String, shown: String) {
    #expect(TerminalText.escape(text) == shown)
  }
}
