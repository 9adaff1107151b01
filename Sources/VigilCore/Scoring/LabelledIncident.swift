/// A labelled incident (`vigil backtest --incidents`): a stretch of time on the series its
/// matchers name, and what the alerts should have done about it. The truth a scorecard measures
/// the rules against, so that recall and precision are counted on messages, as people get them.
package struct LabelledIncident: Sendable, Equatable {
  /// What the incident calls for: a page, a ticket, or nothing (a blip that must stay quiet).
  package enum Expect: String, Sendable, CaseIterable {
    case page, ticket, none
  }

  package var name: String
  /// A free word that groups incidents of one sort in goals (`outage`, `429_storm`, ...).
  package var kind: String
  package var startMs: Int64
  package var endMs: Int64
  /// The labels it concerns (`provider=anthropic`): a message names the incident when one of
  /// its alerts carries labels that satisfy every matcher.
  package var matchers: [LabelMatcher]
  package var expect: Expect
  /// The traffic it happened at (calls per second), for goals that judge only incidents at
  /// enough traffic to be seen.
  package var perSecond: Double?
  /// Its line in the incidents file, for messages.
  package var line: Int

  package init(
    name: String, kind: String = "", startMs: Int64, endMs: Int64, matchers: [LabelMatcher],
    expect: Expect, perSecond: Double? = nil, line: Int = 0
  ) {
    self.name = name
    self.kind = kind
    self.startMs = startMs
    self.endMs = endMs
    self.matchers = matchers
    self.expect = expect
    self.perSecond = perSecond
    self.line = line
  }

  package var durationMs: Int64 { endMs - startMs }

  /// Whether an alert with `labels` concerns this incident.
  package func concerns(_ labels: [String: String]) -> Bool { matchers.allSatisfy { $0.matches(labels) } }
}

/// Which incidents a goal judges: of some kinds, long enough, at enough traffic.
package struct IncidentScope: Sendable, Equatable {
  /// Empty: every kind.
  package var kinds: [String] = []
  package var minDurationMs: Int64 = 0
  /// Incidents without a stated traffic pass any minimum.
  package var minPerSecond: Double = 0

  package init() {}

  package func contains(_ i: LabelledIncident) -> Bool {
    (kinds.isEmpty || kinds.contains(i.kind)) && i.durationMs >= minDurationMs
      && (i.perSecond ?? .infinity) >= minPerSecond
  }

  /// `incidents of 5m or more at 1/s or more, outage`, or `all incidents`.
  package var text: String {
    var parts: [String] = []
    if !kinds.isEmpty { parts.append(kinds.joined(separator: "|")) }
    if minDurationMs > 0 { parts.append(">= \(DurationText.format(minDurationMs))") }
    if minPerSecond > 0 { parts.append(">= \(formatPlain(minPerSecond))/s") }
    return parts.isEmpty ? "all incidents" : parts.joined(separator: ", ")
  }
}

/// What a team holds its alerts to (`goals:`); a goal left out is not judged. Recall, time to
/// detect, time to reset and messages per incident judge the incidents in `scope`; precision,
/// pages in 12 hours and false pages judge every message of the receiver.
package struct ScoreGoals: Sendable, Equatable {
  /// A share, 0...1.
  package var recall: Double?
  package var precision: Double?
  /// The slowest detection allowed.
  package var timeToDetectMs: Int64?
  package var timeToResetMs: Int64?
  /// The most messages (firing and resolved) one incident may cost one receiver.
  package var messagesPerIncident: Int?
  /// The most firing messages in any 12 hours.
  package var pagesPer12h: Int?
  /// The most firing messages per week that name no incident calling for them.
  package var falsePagesPerWeek: Double?
  package var scope = IncidentScope()
  /// The receivers judged; empty: every receiver that pages.
  package var receivers: [String] = []
  package var line: Int = 0

  package init() {}
}

/// An incidents file as read: incidents, goals, which receivers page and which ticket.
package struct IncidentsFile: Sendable, Equatable {
  package var incidents: [LabelledIncident] = []
  package var goals: [ScoreGoals] = []
  /// `page` or `ticket` per receiver; a receiver not listed pages.
  package var receiverKinds: [String: LabelledIncident.Expect] = [:]
  /// How long after an incident ends a first firing message still counts as naming it (a slow
  /// rule detecting late), not as a false page.
  package var graceMs: Int64 = 600_000

  package init() {}

  package func kind(of receiver: String) -> LabelledIncident.Expect { receiverKinds[receiver] ?? .page }
}
