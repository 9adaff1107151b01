import Testing

@testable import VigilCore

@Suite struct DurationTextTests {
  @Test(
    arguments: [
      ("30s", 30_000), ("5m", 300_000), ("1h30m", 5_400_000), ("7d", 604_800_000), ("2w", 1_209_600_000),
      ("500ms", 500), ("0", 0), ("1m1s", 61_000),
    ] as [(String, Int64)])
  func parses(text: String, ms: Int64) {
    #expect(DurationText.parseMs(text) == ms)
    #expect(DurationText.parseMs(DurationText.format(ms)) == ms)
  }

  @Test(arguments: ["", "5", "m", "-5m", "5 m", "5x", "1.5h", "5mm"])
  func rejects(text: String) {
    #expect(DurationText.parseMs(text) == nil)
  }
}
