import Foundation
import Testing
import VigilTestSupport

/// Issue 22's gate: the shipped alerts.yaml on a generated corpus with realistic noise and an
/// incident of every kind at 5 calls/s meets the issue's goals: recall 100% for incidents of 5
/// minutes or more at 1 call/s or more, precision at least 95%, no false page, one firing and one
/// resolved message per incident; and, where the issue's goal cannot be met, the bound the rules
/// do meet:
/// - reset within 5m30s, not 5m: the SLO page resolves once its shortest window (5 m) is clean,
///   seen at the next complete 10 s bucket and 15 s step (5m19s here; it was 30m04s while the
///   6 h & 30 m pair held the page);
/// - a full outage paged within 75 s, not 60 s: the workbook's 52 s (1.44% of the hour's requests
///   failing), the 3 s the outage's requests spend retrying before they fail, and the same bucket
///   and step (64 s here).
@Suite(.serialized) struct ShippedRulesScorecardTests {
  static let goals = """
    receivers: {stdout: page, tickets: ticket}
    grace: 10m
    goals:
      - incidents: {min_duration: 5m, min_traffic: 1/s}
        recall: 100%
        time_to_reset: 5m30s
        messages_per_incident: 2
      - precision: 95%
        false_pages_per_week: 0
      - incidents: {kind: outage, min_traffic: 1/s}
        time_to_detect: 75s
    """

  @Test func theShippedRulesMeetTheIssuesGoalsOnAGeneratedCorpus() async throws {
    let dir = TemporaryDirectory()
    try ScorecardCommandTests.generate(["--hours", "12", "--levels", "5", "--seed", "12"], in: dir)
    // The generated incidents with the goals above (the generator's own goals add the week's
    // pages-per-12-hours, which a 12-hour corpus dense with incidents cannot meet by design).
    let generated = try String(contentsOfFile: dir.file("incidents.yaml"), encoding: .utf8)
    let incidents = try #require(generated.range(of: "incidents:\n"))
    LogFile.write(dir.file("gate.yaml"), Self.goals + "\n" + generated[incidents.lowerBound...])
    let (status, out, err) = try await VigilProcess.run(
      ["backtest", "--rules", "alerts.yaml", "--incidents", dir.file("gate.yaml")]
        + (try ScorecardCommandTests.logs(in: dir)))
    #expect(status == 0, "\(out)\n\(err)")
  }
}
