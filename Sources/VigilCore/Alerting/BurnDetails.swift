/// What the messages and texts of an evaluation's active SLO alerts read beyond their windows:
/// the counts over each SLO's period and the rollups of its causes window, per series. Read once
/// per evaluation and shared by every group and rule that needs them: a firing page and ticket on
/// three providers once read the period and two hours of rollups six times every 15 seconds.
struct BurnDetails {
  private var periods: [Int64: [SeriesKey: RequestCounts]] = [:]
  private var ttftPeriods: [Int64: [SeriesKey: LatencyHistogram]] = [:]
  private var windows: [Int64: [SeriesKey: Rollup]] = [:]

  /// Request counts per series over `[start, to)` (an SLO's period).
  mutating func period(_ start: Int64, to: Int64, source: any RollupSource) throws -> [SeriesKey:
    RequestCounts]
  {
    if let known = periods[start] { return known }
    let read = try source.requestCounts(starts: [start], toMs: to)[start] ?? [:]
    periods[start] = read
    return read
  }

  /// Time-to-first-token histograms per series over `[start, to)` (a TTFT SLO's period).
  mutating func ttftPeriod(_ start: Int64, to: Int64, source: any RollupSource) throws -> [SeriesKey:
    LatencyHistogram]
  {
    if let known = ttftPeriods[start] { return known }
    let read = try source.histogramWindows(.ttft, starts: [start], toMs: to)[start] ?? [:]
    ttftPeriods[start] = read
    return read
  }

  /// Rollups (no histograms) per series over `[start, to)` (an SLO's causes window).
  mutating func window(_ start: Int64, to: Int64, source: any RollupSource) throws -> [SeriesKey: Rollup] {
    if let known = windows[start] { return known }
    let read = try source.rollups(fromMs: start, toMs: to, latency: false)
    windows[start] = read
    return read
  }
}
