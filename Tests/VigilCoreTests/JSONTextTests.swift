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

@Suite struct JSONNumberTests {
  /// The detail column's numbers are written digit by digit when they have one decimal; the text
  /// must be number(_:)'s (Swift's shortest form) for every value, one decimal or not.
  @Test func appendedNumbersAreTheShortestFormForRandomValues() {
    var random = SeededRandom(seed: 5)
    var values: [Double] = [0.1, -0.5, 0.05, 9.9, 10.1, 99_999_999_999_999.9, 1e-7, 123.45, -0.0, 1e300]
    for _ in 0..<20_000 {
      let n = Int64(bitPattern: random.next()) % 2_000_000_000_000_000
      switch random.next() % 4 {
      case 0: values.append(Double(n % 100_000) / 10)
      case 1: values.append(Double(n) / 10)
      case 2: values.append(Double(n % 1_000_000) / 100)
      default: values.append(Double(bitPattern: random.next()))
      }
    }
    for d in values {
      var out: [UInt8] = Array("x".utf8)
      JSONText.appendNumber(d, to: &out)
      #expect(String(decoding: out, as: UTF8.self) == "x" + JSONText.number(d), "\(d)")
    }
  }
}
