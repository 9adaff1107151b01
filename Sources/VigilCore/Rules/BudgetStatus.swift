/// Where an SLO's error budget stands over its period: what is left, and how long it lasts at the
/// current burn.
package struct BudgetStatus: Sendable, Equatable {
  /// The share of the period's budget not yet spent (negative once overspent).
  package var left: Double
  /// How long what is left lasts at the burn rate of the alert; `nil` when nothing burns.
  package var timeToExhaustionMs: Int64?

  package init(left: Double, timeToExhaustionMs: Int64?) {
    self.left = left
    self.timeToExhaustionMs = timeToExhaustionMs
  }

  /// From the period's counts and the current burn rate.
  package init(_ burn: BurnRate, spent: RequestCounts, burnRate: Double?) {
    let failed = spent.inSLI > 0 ? Double(spent.unavailable) / Double(spent.inSLI) : 0
    left = burn.budget > 0 ? 1 - failed / burn.budget : 0
    if let rate = burnRate, rate > 0 {
      // A burn of almost nothing lasts longer than Int64 counts: held at its end.
      timeToExhaustionMs = Int64(saturating: max(0, left) * Double(burn.periodMs) / rate)
    }
  }

  /// The time as a duration in whole minutes (`0s` once spent); `never` when nothing burns.
  package var timeToExhaustionText: String {
    guard let ms = timeToExhaustionMs else { return "never (nothing burns)" }
    return left <= 0 ? "0s" : DurationText.format(max(60_000, ms) / 60_000 * 60_000)
  }
}
