import Testing
import VigilCore

@testable import VigilRemoteWrite

/// The remote-write fuzz target's entry point (scripts/fuzz-targets/RemoteWrite.swift),
/// driven by seeded random bytes for a bounded number of inputs, and by real snappy blocks
/// damaged: nothing traps, no wait leaves its bounds.
@Suite struct RemoteWriteFuzzTests {
  @Test func randomRepliesNeverTrap() {
    var r = SeededRandom(seed: 25)
    for _ in 0..<3_000 {
      let input = (0..<Int.random(in: 0...200, using: &r)).map { _ in UInt8.random(in: 0...255, using: &r) }
      RemoteWriteFuzz.reply(input)
    }
  }

  @Test func damagedSnappyBlocksNeverTrap() {
    var r = SeededRandom(seed: 26)
    let block = Snappy.compress(Array(String(repeating: "vigil_requests_total 12\n", count: 40).utf8))
    for _ in 0..<2_000 {
      var damaged = block
      for _ in 0..<Int.random(in: 1...4, using: &r) {
        damaged[Int.random(in: 0..<damaged.count, using: &r)] = UInt8.random(in: 0...255, using: &r)
      }
      RemoteWriteFuzz.reply(damaged)
    }
  }
}
