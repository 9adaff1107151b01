import Testing

@testable import VigilCore

/// Conversions of outside values (and of metrics computed on them) that trapped: each is now held
/// within its type or refused, and what is shown of it says what it is.
@Suite struct ConversionTests {
  /// A remaining count near 9e15 that falls by one every two seconds runs out in some 570
  /// million years: more milliseconds than Int64 holds. `vigil check` and the alert's message
  /// trapped.
  @Test func aForecastOfMillionsOfYearsIsShownInWeeks() throws {
    var fit = RateLimitFit()
    let t0: Int64 = 1_795_600_800_000
    for k in 0..<30 {
      fit.add(remaining: 9e15 - Double(k * 5), atMs: t0 + Int64(k) * 10_000, limit: 1e16, resetS: 60)
    }
    var rollup = Rollup()
    rollup.rateLimits.requests = fit
    let kind = MetricKind.rateLimitExhaustion(.any)
    let value = try #require(kind.value(of: rollup))
    #expect(value > 0x1p63)
    let text = kind.format(value)
    // 9e15 / (0.5 a second) = 1.8e16 s: some 3e10 weeks, as a whole number of them.
    #expect(text.hasSuffix("w") && !text.contains("e"), "\(text)")
    let weeks = try #require(Double(text.dropLast()))
    #expect(weeks > 2e10 && abs(weeks - value / 604_800_000) < 1, "\(text)")
    #expect(MetricKind.rateLimitExhaustion(.short).format(value) == text)
    // Within Int64 the duration is exact, to the second.
    #expect(kind.format(9.2e18) == "15211640211w4d11h33m20s")
  }

  @Test func everyMetricFormatsAnyDouble() {
    let kinds: [MetricKind] = [
      .errorRate, .latencyQuantile(0.99), .requestCount, .timeSinceLastCall, .burnRate,
      .rateLimitExhaustion(.long), .rateLimitUtilisation,
    ]
    for kind in kinds {
      for v in [0x1p63, 1e19, 0x1p64, 1e300, .greatestFiniteMagnitude, -1e300, .infinity, -.infinity, .nan] {
        let text = kind.format(v)
        #expect(!text.isEmpty && !text.contains("Optional"), "\(kind.name) \(v): \(text)")
      }
    }
    #expect(MetricKind.errorRate.format(1e300) == "1e+302%")
    #expect(MetricKind.latencyQuantile(0.99).format(1e19) == "1e+16s")
    #expect(MetricKind.burnRate.format(.infinity) == "inf")
    #expect(MetricKind.timeSinceLastCall.format(.nan) == "nan")
  }

  @Test func fixedPointTextPastWhatADoubleHoldsExactly() {
    #expect(formatFixed(1e300, digits: 2) == "1e+300")
    #expect(formatFixed(9.3e16, digits: 1) == "9.3e+16")
    #expect(formatFixed(-0x1p63, digits: 0) == "-9.223372036854776e+18")
    #expect(formatFixed(123.456, digits: 2) == "123.46")
    #expect(formatFixed(99_999_999_999_999.9, digits: 0) == "100000000000000")
  }

  @Test func durationsAndTimesOfAnyInt64() {
    #expect(DurationText.format(-90_000) == "-1m30s")
    #expect(DurationText.format(.min) == "-15250284452w3d7h12m55s807ms")
    #expect(Timestamp.formatRFC3339(.min).hasSuffix("Z"))
    #expect(Timestamp.formatRFC3339(-1) == "1969-12-31T23:59:59.999Z")
    #expect(Timestamp.formatRFC3339(.max).hasSuffix(".807Z"))
  }

  /// An SLO burning at almost nothing would last longer than Int64 counts milliseconds.
  @Test func aBudgetBurntAtAlmostNothingLastsAsLongAsCanBeSaid() {
    let burn = BurnRate(
      slo: "S", objective: 0.999, periodMs: 30 * 86_400_000,
      pairs: BurnRate.workbookPairs(periodMs: 30 * 86_400_000, page: true), minTotal: 0, minBad: 0)
    let status = BudgetStatus(burn, spent: RequestCounts(requests: 100), burnRate: 1e-300)
    #expect(status.timeToExhaustionMs == .max)
    #expect(status.timeToExhaustionText == "15250284452w3d7h12m")
  }

  @Test func saturatingConversions() {
    #expect(Int64(saturating: 0x1p63) == .max && Int64(saturating: -0x1p63) == .min)
    #expect(Int64(saturating: .infinity) == .max && Int64(saturating: -.infinity) == .min)
    #expect(Int64(saturating: .nan) == 0 && Int64(saturating: -2.9) == -2)
    #expect(Int64.min.saturatingSubtracting(1) == .min && Int64.max.saturatingSubtracting(-1) == .max)
    #expect(Int64(-3).saturatingSubtracting(4) == -7)
    #expect(RequestCounts(requests: .min, cancelled: .max).inSLI == .min)
  }

  /// A damaged histogram blob (first bucket Int64.min) and counts that add past UInt64.
  @Test func histogramsFromAStoreNobodyVouchesFor() {
    var bytes: [UInt8] = [3, 0]
    Varint.append(UInt64.max, to: &bytes)  // zigzag of Int64.min
    Varint.append(1, to: &bytes)
    bytes += [UInt8](repeating: 0xFF, count: 8)
    #expect(bytes.withUnsafeBytes { LatencyHistogram(encoded: $0) } == nil)
    var h = LatencyHistogram()
    h.record(100, count: .max)
    h.record(0, count: .max)
    h.merge(h)
    #expect(h.count == .max)
    #expect(h.quantile(0.5) == 0 && h.quantile(1e300) == 0 && h.quantile(-1) == 0)
    #expect(h.quantile(.nan) == 0)
  }

  /// A status that is no HTTP status cannot be encoded (nor read back): it is left out, not
  /// trapped on; counts past Int64 read back held.
  @Test func statusCountsWithStatusesNoContractAllows() {
    var counts = StatusCounts()
    counts.add(-5, 3)
    counts.add(429, .max)
    counts.add(429, 1)
    var read = StatusCounts()
    #expect(counts.encoded().withUnsafeBytes { read.merge(encoded: $0) })
    #expect(read.sorted.map(\.status) == [429] && read.sorted.map(\.count) == [.max])
    var big: [UInt8] = []
    Varint.append(200, to: &big)
    Varint.append(.max, to: &big)
    #expect(big.withUnsafeBytes { read.merge(encoded: $0) })
    #expect(read.sorted.map(\.count) == [.max, .max])
  }
}
