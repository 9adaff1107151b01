import Foundation
import Testing
import VigilCore

@testable import VigilConfig

/// Bounded fuzzing of the rules loader: the shipped alerts.yaml, mutated thousands of ways, is
/// loaded or refused with located errors; nothing traps.
@Suite struct RulesFuzzTests {
  static let replacements = [
    "999999999999w", "99999999999d", "-1", "0", "1e400", "nan", "-5m", "101%", "%", "", "[]", "{}", "*nope",
    "&a x", "!!binary AAAA", "\"\\u0000\"", "9223372036854775807", "1e-400", "[[[[[[", "'", "\"", "?",
    "- - -", "5m5m5m5m5m5m5m5m5m5m5m", "999999999999ms",
  ]

  /// One to three mutations of `lines`: a value replaced, a line removed, doubled or cut.
  static func mutate(_ lines: [String], using r: inout SeededRandom) -> [String] {
    var mutated = lines
    for _ in 0..<(1 + Int(r.next() % 3)) {
      let i = Int(r.next() % UInt64(mutated.count))
      switch r.next() % 4 {
      case 0:
        // Replace the value after a colon.
        if let colon = mutated[i].firstIndex(of: ":") {
          mutated[i] = String(mutated[i][...colon]) + " " + replacements.randomElement(using: &r)!
        }
      case 1: mutated.remove(at: i)
      case 2: mutated.insert(mutated[i], at: i)
      default: mutated[i] = String(mutated[i].dropFirst(Int(r.next() % 4)))
      }
    }
    return mutated
  }

  @Test func aMutatedRulesFileIsLoadedOrRefusedWithItsPlace() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let original = try String(contentsOf: root.appendingPathComponent("alerts.yaml"), encoding: .utf8)
    let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var r = SeededRandom(seed: 21)
    var refused = 0
    for _ in 0..<1500 {
      let mutated = Self.mutate(lines, using: &r)
      do {
        _ = try RulesLoader.load(yaml: mutated.joined(separator: "\n"), file: "alerts.yaml")
      } catch {
        refused += 1
        for e in error.errors {
          #expect(e.line >= 0 && e.column >= 0 && !e.message.isEmpty)
        }
      }
    }
    #expect(refused > 300, "the mutations must reach the refusing paths")
  }
}
