import Testing
import VigilConfig
import VigilCore

/// The incidents file of `vigil backtest --incidents`: read whole, refused whole, every problem
/// with its line and column, as alerts.yaml is.
@Suite struct IncidentsLoaderTests {
  static let good = """
    receivers: {stdout: page, tickets: ticket}
    grace: 5m
    goals:
      - incidents: {kind: [outage], min_duration: 5m, min_traffic: 1/s}
        recall: 100%
        time_to_detect: 60s
        time_to_reset: 5m
        messages_per_incident: 2
      - precision: 95%
        pages_per_12h: 2
        false_pages_per_week: 0
        receivers: [stdout]
    incidents:
      - name: openai outage
        kind: outage
        start: 2026-11-20T09:00:00Z
        end: 2026-11-20T09:10:00Z
        matchers: [provider=openai, 'model=~"gpt-4o.*"']
        expect: page
        traffic: 5/s
      - name: a blip
        start: 2026-11-20T10:00:00Z
        duration: 90s
        matchers: provider=google
        expect: none
    """

  @Test func aFileIsReadWithItsIncidentsGoalsAndReceivers() throws {
    let file = try IncidentsLoader.load(yaml: Self.good, file: "incidents.yaml")
    #expect(file.graceMs == 300_000)
    #expect(
      file.kind(of: "tickets") == .ticket && file.kind(of: "stdout") == .page
        && file.kind(of: "chat") == .page)
    #expect(file.incidents.count == 2)
    let outage = file.incidents[0]
    #expect(outage.name == "openai outage" && outage.kind == "outage" && outage.expect == .page)
    #expect(outage.startMs == Timestamp.parseRFC3339("2026-11-20T09:00:00Z"))
    #expect(outage.durationMs == 600_000 && outage.perSecond == 5 && outage.line == 14)
    #expect(outage.concerns(["provider": "openai", "model": "gpt-4o-mini"]))
    #expect(!outage.concerns(["provider": "openai", "model": "o3"]))
    #expect(file.incidents[1].durationMs == 90_000 && file.incidents[1].expect == .none)
    #expect(file.incidents[1].perSecond == nil)
    #expect(file.goals.count == 2)
    let g = file.goals[0]
    #expect(
      g.recall == 1 && g.timeToDetectMs == 60_000 && g.timeToResetMs == 300_000 && g.messagesPerIncident == 2)
    #expect(g.scope.kinds == ["outage"] && g.scope.minDurationMs == 300_000 && g.scope.minPerSecond == 1)
    #expect(file.goals[1].precision == 0.95 && file.goals[1].pagesPer12h == 2)
    #expect(file.goals[1].falsePagesPerWeek == 0 && file.goals[1].receivers == ["stdout"])
  }

  @Test func goalsMayBeOneMapping() throws {
    let file = try IncidentsLoader.load(
      yaml: """
        goals: {recall: 0.9}
        incidents: []
        """, file: "i.yaml")
    #expect(file.goals.count == 1 && file.goals[0].recall == 0.9)
  }

  static func errors(_ yaml: String) -> [String] {
    do {
      _ = try IncidentsLoader.load(yaml: yaml, file: "incidents.yaml")
      return []
    } catch {
      return error.errors.map(\.description)
    }
  }

  @Test func everyProblemIsRefusedWithItsLineAndColumn() {
    let errors = Self.errors(
      """
      receivers: {stdout: pager}
      goals:
        - recall: 120%
          precison: 95%
          time_to_detect: soon
      incidents:
        - name: one
          start: yesterday
          duration: 10m
          matchers: [provider=openai]
          expect: page
        - name: two
          start: 2026-11-20T09:00:00Z
          end: 2026-11-20T08:00:00Z
          matchers: [provider=openai]
          expect: page
        - name: three
          start: 2026-11-20T09:00:00Z
          duration: 10m
          matchers: [provider]
          expect: maybe
          traffic: lots
        - name: one
          start: 2026-11-20T09:00:00Z
          duration: 10m
          expect: page
      """)
    #expect(
      errors == [
        "incidents.yaml:1:21: receiver 'stdout': expected 'page' or 'ticket'",
        "incidents.yaml:3:13: '120%' is not a percentage from 0% to 100%",
        "incidents.yaml:4:5: unknown key 'precison' in goals (did you mean 'precision'?)",
        "incidents.yaml:5:21: 'soon' is not a duration such as 30s, 5m or 1h",
        "incidents.yaml:8:12: incident 'one': start must be an RFC 3339 time such as 2026-11-20T09:00:00Z",
        "incidents.yaml:14:10: incident 'two': end must be after start",
        "incidents.yaml:20:16: matchers: 'provider' is not a matcher such as provider=openai, alertname=~\"High.*\"",
        "incidents.yaml:21:13: incident 'three' needs 'expect: page', 'expect: ticket' or 'expect: none'",
        "incidents.yaml:23:5: incident 'one' needs 'matchers', such as [provider=anthropic]",
      ], "\(errors.joined(separator: "\n"))")
  }

  @Test func aFileWithoutIncidentsOrNotYAMLIsRefused() {
    #expect(
      Self.errors("goals: {recall: 100%}") == [
        "incidents.yaml:1:1: an incidents file needs 'incidents:', a list of labelled incidents"
      ])
    #expect(Self.errors("incidents: [a, b")[0].hasPrefix("incidents.yaml:2:1: YAML syntax:"))
    #expect(Self.errors("")[0].hasSuffix("the file is empty"))
  }
}
