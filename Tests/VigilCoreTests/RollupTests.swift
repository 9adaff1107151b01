import Testing

@testable import VigilCore

/// Rollup sums are fed by input: they must hold at the limit rather than trap.
@Suite struct RollupTests {
  @Test func tokenSumsSaturateInsteadOfTrapping() {
    var a = Rollup()
    let big = CallRecord(
      timestampMs: 0, status: 500, promptTokens: CallLimits.maxTokens,
      completionTokens: CallLimits.maxTokens)
    a.add(big)
    a.promptTokens = .max - 1
    a.failedTokens = .max - 1
    a.add(big)
    #expect(a.promptTokens == .max)
    #expect(a.failedTokens == .max)
    #expect(a.attempts == 2)
    var b = a
    b.merge(a)
    #expect(b.promptTokens == .max)
    #expect(b.completionTokens == 4 * CallLimits.maxTokens)
    #expect(b.attempts == 4)
  }

  @Test func countsSaturateWhenMerged() {
    var a = Rollup()
    a.attempts = .max
    a.codes.add(200, .max)
    var b = Rollup()
    b.attempts = 5
    b.codes.add(200, 5)
    b.merge(a)
    #expect(b.attempts == .max)
    #expect(b.codes.sorted.first?.count == .max)
  }

  @Test(
    arguments: [(Int64.max, 1, Int64.max), (.min, -1, .min), (5, -7, -2), (.max, .min, -1)]
      as [(Int64, Int64, Int64)])
  func saturatingAddition(a: Int64, b: Int64, sum: Int64) {
    #expect(a.saturatingAdding(b) == sum)
  }
}
