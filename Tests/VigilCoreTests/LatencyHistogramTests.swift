import Testing

@testable import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct LatencyHistogramTests {
  /// The exact nearest-rank quantile, the definition the histogram approximates.
  func exact(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.sorted()
    let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
    return sorted[rank - 1]
  }

  @Test func quantilesAreWithinTheStatedRelativeError() {
    var rng = SplitMix(seed: 7)
    for distribution in 0..<3 {
      var values: [Double] = []
      for _ in 0..<50_000 {
        let u = rng.nextUnit()
        switch distribution {
        case 0: values.append(exp(6.7 + 0.8 * rng.nextGaussian()))  // lognormal around 800 ms
        case 1: values.append(u < 0.98 ? 200 + u * 300 : 30_000 + u * 60_000)  // a slow tail
        default: values.append(0.5 + u * 120_000)  // uniform up to two minutes
        }
      }
      var h = LatencyHistogram()
      for v in values { h.record(v) }
      for q in [0.5, 0.9, 0.99, 0.999] {
        let want = exact(values, q)
        let got = h.quantile(q)!
        #expect(
          abs(got - want) / want <= LatencyHistogram.relativeAccuracy + 1e-9, "q=\(q) \(got) vs \(want)")
        #expect(abs(got - want) / want <= 0.01)
      }
    }
  }

  @Test func mergeEqualsRecordingEverythingInOne() {
    var a = LatencyHistogram()
    var b = LatencyHistogram()
    var all = LatencyHistogram()
    for i in 1...1000 {
      let v = Double(i) * 3.7
      if i % 3 == 0 { a.record(v) } else { b.record(v) }
      all.record(v)
    }
    a.merge(b)
    #expect(a == all)
    #expect(a.count == 1000)
  }

  @Test func encodingRoundTrips() throws {
    var h = LatencyHistogram()
    for v in [0, 0.0005, 1, 2, 2, 1000, 30_000, 1e7] { h.record(v) }
    let bytes = h.encoded()
    let decoded = try #require(bytes.withUnsafeBytes { LatencyHistogram(encoded: $0) })
    #expect(decoded == h)
    #expect(decoded.zeroCount == 2)
    #expect([UInt8]([0xFF]).withUnsafeBytes { LatencyHistogram(encoded: $0) } == nil)
  }

  @Test func emptyHasNoQuantile() {
    #expect(LatencyHistogram().quantile(0.99) == nil)
  }
}

/// A small deterministic generator for tests.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
  mutating func nextGaussian() -> Double {
    let u1 = max(nextUnit(), 1e-12)
    let u2 = nextUnit()
    return sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
  }
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite struct HistogramEncodingWidthTests {
  @Test func everyCountWidthRoundTrips() throws {
    for big: UInt64 in [3, 70_000, 5_000_000_000] {
      var h = LatencyHistogram()
      h.record(12.5, count: big)
      h.record(900, count: 2)
      h.record(0)
      let bytes = h.encoded()
      #expect(bytes[0] == (big <= 65_535 ? 1 : big <= 4_294_967_295 ? 2 : 3))
      let back = try #require(bytes.withUnsafeBytes { LatencyHistogram(encoded: $0) })
      #expect(back == h)
      #expect(back.count == big + 3)
    }
  }
}
