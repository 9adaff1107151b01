import Foundation
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilAlerting

/// Every shipped rule (alerts.yaml), fired and resolved on real rollups, through every renderer
/// (stdout text and JSON, the webhooks' Alertmanager, Slack, Discord, Teams and template payloads,
/// email, an Alertmanager push): no value is a lone `-` and no template variable renders empty
/// (issue 24: SLO and cause texts read `failures: -; budget left: -` in pushes and on cards).
@Suite struct MessageHoleTests {
  static func shipped() throws -> RuleSet { try RulesLoader.load(path: "alerts.yaml") }

  @Test func everyShippedRuleFiresAndResolvesWithoutAHoleInAnyRenderer() throws {
    // The detector sees the holes of issue 24.
    for hole in [
      "failures: -; budget left: -", #"{"text":"*Value*\n-"}"#, "value=- threshold=2%", #""value":"-""#,
    ] {
      #expect(!EveryRuleScenario.holes(hole).isEmpty, "\(hole)")
    }
    let set = try Self.shipped()
    let (firing, resolved) = try EveryRuleScenario.evaluations(set)
    let transitions = (firing.transitions + resolved.transitions).filter(\.isAnnounced)
    for rule in set.rules {
      for kind in [AlertTransition.Kind.firing, .resolved] {
        #expect(transitions.contains { $0.key.rule == rule.name && $0.kind == kind }, "\(rule.name) \(kind)")
      }
    }
    let pipeline = AlertPipeline(rules: set)
    for t in transitions {
      let what = "\(t.key.rule) \(t.kind)"
      #expect(EveryRuleScenario.gaps(t.summary).isEmpty, "\(what): \(EveryRuleScenario.gaps(t.summary))")
      #expect(EveryRuleScenario.gaps(t.description).isEmpty, "\(what): \(t.description)")
      let alert = try #require(pipeline.alert(t))
      let n = AlertNotification(
        receiver: "r", groupLabels: ["provider": "anthropic"], alerts: [alert], atMs: t.atMs)
      let renderer = MessageRenderer(externalURL: "http://127.0.0.1:9516", nowMs: t.atMs)
      for receiver in ExtremeRenderTests.receivers {
        let body = String(decoding: try renderer.render(n, for: receiver).body, as: UTF8.self)
        let holes = EveryRuleScenario.holes(body)
        #expect(holes.isEmpty, "\(what) to \(receiver.name): \(holes)")
      }
    }
    // The alerts in force, as a push to Alertmanager and as the texts of the dashboard and the
    // API read them: the group's window and budget fill every variable.
    for g in firing.groups where g.phase == .firing {
      let rule = try #require(set.rulesByName[g.key.rule])
      #expect(EveryRuleScenario.emptyVariables(rule, g.context(rule)).isEmpty, "\(rule.name)")
    }
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    for (evaluation, at) in [
      (firing, EveryRuleScenario.firingAtMs), (resolved, EveryRuleScenario.resolvedAtMs),
    ] {
      let pushed = try pipeline.pushedAlerts(
        store: store, evaluation: evaluation, transitions: evaluation.transitions, atMs: at,
        routed: { _ in true },
        endsAtMs: at + 60_000, sendResolved: true)
      #expect(pushed.count >= set.rules.count / 2)
      for a in pushed {
        for key in ["summary", "description", "value", "threshold"] {
          let text = a.annotations[key] ?? ""
          #expect(
            EveryRuleScenario.gaps(text).isEmpty, "\(a.labels["alertname"] ?? "") \(key): '\(text)'")
        }
      }
      let body = AlertPipeline.pushBody(pushed, externalURL: "http://127.0.0.1:9516")
      #expect(EveryRuleScenario.holes(body).isEmpty, "\(EveryRuleScenario.holes(body))")
    }
  }

  /// The SLO's page resolves saying what ended it: the short window's burn under its factor, not
  /// the long window's, which still reads as a page (`value=192.3x threshold=6.0x`).
  @Test func anSLOPageResolvesWithTheBurnThatEndedIt() throws {
    let set = EveryRuleScenario.rules(try Self.shipped(), holds: true)
    let data = EveryRuleScenario.rollups()
    let firing = try Evaluator.evaluate(set, source: data, atMs: EveryRuleScenario.firingAtMs, previous: [:])
    #expect(firing.firing.contains { $0.rule == "ProviderAvailabilityPage" })
    // Half an hour after the outage: the hour still burns two hundred times the budget's rate,
    // the last five minutes not at all.
    let later = try Evaluator.evaluate(
      set, source: data, atMs: EveryRuleScenario.firingAtMs + 1_800_000, previous: firing.states)
    let page = try #require(later.transitions.first { $0.key.rule == "ProviderAvailabilityPage" })
    #expect(page.kind == .resolved && page.value == 0 && page.threshold == 14.4)
    let hour = try #require(later.groups.first { $0.key.rule == "ProviderAvailabilityPage" })
    #expect((hour.value ?? 0) > 100)
    let line = AlertLine.format(try #require(AlertPipeline(rules: set).alert(page)), json: false)
    #expect(line.contains("value=0.0x threshold=14.4x"), "\(line)")
    #expect(page.summary.contains("burning 0.0x the allowed rate"), "\(page.summary)")
  }
}
