import Foundation
import Testing
import VigilConfig
import VigilCore
import VigilTestSupport

@testable import VigilReport
@testable import VigilServer

/// The alerts in force as the dashboard's cards and `/api/alerts` show them (issue 24): every
/// shipped rule's text has a value for each variable (`failures`, `budget left`), and a
/// consequence is marked inhibited and listed right below its cause.
@Suite struct AlertViewTests {
  @Test func everyShippedAlertInForceHasItsTextAndEachConsequenceSitsBelowItsCause() throws {
    let set = try RulesLoader.load(path: "alerts.yaml")
    let (firing, _) = try EveryRuleScenario.evaluations(set)
    let views = AlertView.build(firing, rules: set)
    #expect(views.count == set.rules.count)
    for v in views {
      #expect(EveryRuleScenario.gaps(v.summary).isEmpty, "\(v.rule): \(v.summary)")
      #expect(EveryRuleScenario.gaps(v.valueText).isEmpty, "\(v.rule): \(v.valueText)")
    }
    let slo = try #require(views.first { $0.rule == "ProviderAvailabilityPage" })
    #expect(
      slo.summary.contains("failures: capacity") && slo.summary.contains("budget left: none"),
      "\(slo.summary)")
    // Each consequence comes after its cause, and says which it is.
    let index = Dictionary(uniqueKeysWithValues: views.enumerated().map { ($1.rule, $0) })
    let expected = [
      "HighErrorRate", "RetriesExhausted", "HighRateLimitRate", "ProviderAvailabilityTicket",
    ]
    for rule in expected {
      let v = try #require(views.first { $0.rule == rule })
      let cause = try #require(v.inhibitedBy, "\(rule) is not marked inhibited")
      #expect((index[cause] ?? .max) < (index[rule] ?? -1), "\(rule) listed above its cause \(cause)")
    }
    #expect(views.first { $0.rule == "ServerErrors" }?.inhibitedBy == nil)
    // The card and the API say it.
    let json = API.alerts(views, evaluatedAtMs: EveryRuleScenario.firingAtMs).text
    #expect(json.contains(#""inhibited_by":"QuotaExhausted""#), "\(json.prefix(400))")
    let page = Report(fromMs: 0, toMs: 60_000, generatedAtMs: 60_000, stepMs: 10_000).html(
      live: views.map(\.live), dashboard: DashboardView(current: "1h"))
    #expect(
      page.contains(
        #"<span class="inhibited" data-inhibited-by="QuotaExhausted">inhibited by QuotaExhausted</span>"#))
  }
}
