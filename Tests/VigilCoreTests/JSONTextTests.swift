import Foundation
import Testing
import VigilCore

@Suite struct JSONTextTests {
  @Test func quotedTextDecodesToTheSameStringWithEveryControlCharacterEscaped() throws {
    var all = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()
    all += "plain \"quoted\" back\\slash é 日本 🎉 \u{7F}"
    let quoted = JSONText.quote(all)
    #expect(!quoted.unicodeScalars.dropFirst().dropLast().contains { $0.value < 0x20 })
    #expect(quoted.contains(#"\n"#) && quoted.contains(#"\u0001"#) && quoted.contains(#"\u001f"#))
    let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8), options: []) as? [String]
    #expect(decoded == [all])
    #expect(JSONText.quote("") == "\"\"")
  }
}
