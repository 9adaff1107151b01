import Testing
import VigilCore

@testable import VigilRemoteWrite

/// The counters pushed: cumulative from the rollups, exact per code and per class, continued
/// across a restart from the stored progress.
@Suite struct TotalsTests {
  /// A rollup of calls, each of the class asked for (the code that makes it so).
  static func rollup(_ calls: [(status: Int, c: StatusClass, latencyMs: Double?)]) -> Rollup {
    var r = Rollup()
    for call in calls {
      var record = CallRecord(
        timestampMs: 0, status: call.status, latencyMs: call.latencyMs,
        errorCode: call.c == .quota ? "insufficient_quota" : call.c == .cancelled ? "cancelled" : nil)
      if call.c == .network && call.status == 200 { record.streamOutcome = .truncated }
      #expect(record.statusClass == call.c)
      r.add(record)
    }
    return r
  }

  @Test func codesTakeTheirUsualClassAndTheRestGoWhereTheyCan() {
    // Two 429s, one a quota refusal; a 200 whose stream failed (network); a cancelled 0.
    var r = Self.rollup([
      (429, .capacity, nil), (429, .quota, nil), (200, .success, nil), (200, .network, nil),
      (0, .cancelled, nil),
    ])
    let pairs = RemoteWriteTotals.jointCounts(codes: r.codes, classes: r.classes)
      .map { "\($0.0)/\(StatusClass.allCases[$0.1].rawValue)=\($0.2)" }.sorted()
    #expect(pairs == ["0/cancelled=1", "200/network=1", "200/success=1", "429/capacity=1", "429/quota=1"])
    r = Self.rollup([(503, .capacity, nil), (500, .server, nil), (500, .server, nil)])
    let plain = RemoteWriteTotals.jointCounts(codes: r.codes, classes: r.classes)
      .map { "\($0.0)/\(StatusClass.allCases[$0.1].rawValue)=\($0.2)" }.sorted()
    #expect(plain == ["500/server=2", "503/capacity=1"])
  }

  @Test func latencyGoesToTheClassicBucketsOfMetrics() {
    var b = ClassicBuckets()
    let r = Self.rollup([
      (200, .success, 40), (200, .success, 999), (200, .success, 31_000), (200, .success, 0),
    ])
    b.add(r.latency, sumMs: r.latencySumMs)
    // 0 and 40 ms: le=0.05; 999 ms: le=1; 31 s: le=45 (above the 30 s bound the P99 rule reads).
    #expect(b.counts[0] == 2)
    #expect(b.counts[CallMetrics.latencyBounds.firstIndex(of: 1)!] == 1)
    #expect(b.counts[CallMetrics.latencyBounds.firstIndex(of: 45)!] == 1)
    #expect(b.count == 4)
    #expect(abs(b.sumSeconds - 32.039) < 1e-9)
  }

  @Test func stepsCountEachBucketOnceAndProgressSurvivesEncoding() throws {
    let schedule = RemoteWriteSchedule(intervalMs: 15_000, maxBackfillMs: 3_600_000)
    #expect(schedule.lastDueStep(nowMs: 100_000) == 90_000 && schedule.lastDueStep(nowMs: 106_000) == 90_000)
    #expect(schedule.ceilStep(90_001) == 105_000 && schedule.ceilStep(90_000) == 90_000)
    #expect(schedule.floorStep(-1) == -15_000)
    let key = SeriesKey(provider: "anthropic", model: "claude")
    let rows = stride(from: Int64(0), to: Int64(60_000), by: Int(rollupBucketMs)).map {
      RollupRow(bucketMs: $0, series: key, rollup: Self.rollup([(200, .success, nil)]))
    }
    var progress = RemoteWriteProgress(ackedMs: 0)
    var seen: [Double] = []
    for step in stride(from: Int64(15_000), through: 60_000, by: 15_000) {
      progress.count(rows.filter { $0.bucketMs <= step }, throughMs: step)
      progress.ackedMs = step
      progress.forgetOld()
      seen.append(progress.totals.series.values.first?.attempts["200/success"] ?? 0)
      // A restart between steps: the stored progress decodes to the same.
      progress = try #require(RemoteWriteProgress.decode(progress.encoded()))
    }
    // Buckets begun by 15 s: 2; by 30 s: 4; by 45 s: 5; by 60 s: 6.
    #expect(seen == [2, 4, 5, 6])
    #expect(RemoteWriteProgress.decode("{not json") == nil)
  }

  /// A bucket that gains calls after its step was sent (a log caught up late) adds them at the
  /// next step; one that gains nothing adds nothing again; past the late window it is forgotten.
  @Test func callsStoredLateCountAtTheNextStepOnce() {
    let key = SeriesKey(provider: "openai", model: "m")
    var progress = RemoteWriteProgress(ackedMs: 0)
    let one = RollupRow(bucketMs: 0, series: key, rollup: Self.rollup([(200, .success, nil)]))
    progress.count([one], throughMs: 15_000)
    progress.ackedMs = 15_000
    progress.count([one], throughMs: 30_000)
    #expect(progress.totals.series.values.first?.requests == 1)
    let three = RollupRow(
      bucketMs: 0, series: key,
      rollup: Self.rollup([(200, .success, nil), (500, .server, nil), (200, .success, nil)]))
    progress.count([three], throughMs: 30_000)
    let s = progress.totals.series.values.first
    #expect(s?.requests == 3 && s?.attempts["500/server"] == 1 && s?.attempts["200/success"] == 2)
    #expect(progress.counted.count == 1)
    progress.ackedMs = RemoteWriteProgress.lateWindowMs + 15_000
    progress.forgetOld()
    #expect(progress.counted.isEmpty)
  }
}
