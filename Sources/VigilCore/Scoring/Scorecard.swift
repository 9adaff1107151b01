/// The score of a backtest against labelled incidents, counted on the messages each receiver got
/// (after grouping, folding, inhibition and silences), not on rule transitions: what an on-call
/// engineer hears. Pure: built from the messages, the incidents and the replayed span.
package struct Scorecard: Sendable {
  /// What one receiver did about one incident.
  package struct IncidentResult: Sendable, Equatable {
    package var incident: Int
    /// The first firing message naming it.
    package var detectedAtMs: Int64?
    /// The first resolved message naming it after its last firing message.
    package var resetAtMs: Int64?
    /// Firing and resolved messages that name it.
    package var messages = 0
    /// The rules named by the firing messages that name it.
    package var rules: [String] = []
  }

  /// A message that named no incident calling for it.
  package struct FalseMessage: Sendable, Equatable {
    package var atMs: Int64
    package var title: String
    package var rules: [String]
  }

  package struct ReceiverScore: Sendable {
    package var receiver: String
    package var kind: LabelledIncident.Expect
    /// One per incident that calls for this receiver's kind, in file order.
    package var incidents: [IncidentResult] = []
    package var truePages = 0
    package var falsePages: [FalseMessage] = []
    package var firingMessages = 0
    package var resolvedMessages = 0
    /// The most firing messages in any 12 hours.
    package var worst12h = 0
    package var falsePerWeek = 0.0

    package var precision: Double? {
      firingMessages == 0 ? nil : Double(truePages) / Double(firingMessages)
    }
  }

  package struct RuleScore: Sendable, Equatable {
    package var rule: String
    /// Times the evaluator announced it firing (any group), messages or not.
    package var fired = 0
    /// Firing messages that name it (all receivers).
    package var inMessages = 0
    package var inFalseMessages = 0
    /// Incidents calling for a message that a message naming this rule named.
    package var detected = 0

    package init(
      rule: String, fired: Int = 0, inMessages: Int = 0, inFalseMessages: Int = 0, detected: Int = 0
    ) {
      self.rule = rule
      self.fired = fired
      self.inMessages = inMessages
      self.inFalseMessages = inFalseMessages
      self.detected = detected
    }
  }

  package var file: IncidentsFile
  package var spanMs: Int64
  package var receivers: [ReceiverScore] = []
  package var rules: [RuleScore] = []

  package static let twelveHoursMs: Int64 = 43_200_000
  package static let weekMs: Int64 = 604_800_000

  /// Scores `messages` (every message of the replay, in time order) against `file`'s incidents.
  /// `receivers` and `rules` name what the rules declare (rows even for the silent ones);
  /// `fired` counts the evaluator's firing transitions per rule; `spanMs` is the replayed time.
  package init(
    messages: [AlertNotification], file: IncidentsFile, receivers names: [String], rules ruleNames: [String],
    fired: [String: Int], spanMs: Int64
  ) {
    self.file = file
    self.spanMs = spanMs
    var ruleRows = Dictionary(uniqueKeysWithValues: ruleNames.map { ($0, RuleScore(rule: $0)) })
    var detectedBy: [String: Set<Int>] = [:]
    for name in names {
      let kind = file.kind(of: name)
      var score = ReceiverScore(receiver: name, kind: kind)
      let mine = messages.filter { $0.receiver == name }
      var results = file.incidents.indices.map { IncidentResult(incident: $0) }
      var lastFiring: [Int: Int64] = [:]
      var firingTimes: [Int64] = []
      for m in mine where m.status == .firing {
        score.firingMessages += 1
        firingTimes.append(m.atMs)
        let named = Self.named(m.firing, at: m.atMs, file: file)
        let names = Array(Set(m.firing.map(\.name))).sorted()
        for i in named {
          if results[i].detectedAtMs == nil { results[i].detectedAtMs = m.atMs }
          results[i].messages += 1
          results[i].rules = Array(Set(results[i].rules + names)).sorted()
          lastFiring[i] = m.atMs
        }
        if named.contains(where: { Self.satisfies(file.incidents[$0].expect, kind) }) {
          score.truePages += 1
          for i in named where file.incidents[i].expect != .none {
            for r in names { detectedBy[r, default: []].insert(i) }
          }
        } else {
          score.falsePages.append(FalseMessage(atMs: m.atMs, title: m.title, rules: names))
          for r in names { ruleRows[r, default: RuleScore(rule: r)].inFalseMessages += 1 }
        }
        for r in names { ruleRows[r, default: RuleScore(rule: r)].inMessages += 1 }
      }
      for m in mine where m.status == .resolved {
        score.resolvedMessages += 1
        for (i, last) in lastFiring
        where m.atMs > last
          && m.alerts.contains(where: {
            file.incidents[i].concerns($0.labels)
          })
        {
          // Only the first resolve after its last firing message closes it.
          guard results[i].resetAtMs == nil else { continue }
          results[i].resetAtMs = m.atMs
          results[i].messages += 1
        }
      }
      score.incidents = results.filter { file.incidents[$0.incident].expect == kind }
      score.worst12h = Self.mostWithin(Self.twelveHoursMs, firingTimes)
      score.falsePerWeek =
        spanMs > 0 ? Double(score.falsePages.count) * Double(Self.weekMs) / Double(spanMs) : 0
      receivers.append(score)
    }
    for (rule, n) in fired { ruleRows[rule, default: RuleScore(rule: rule)].fired = n }
    for (rule, set) in detectedBy { ruleRows[rule, default: RuleScore(rule: rule)].detected = set.count }
    rules =
      ruleNames.compactMap { ruleRows[$0] }
      + ruleRows.keys.filter { !ruleNames.contains($0) }.sorted().compactMap { ruleRows[$0] }
  }

  /// The incidents a firing message names: an alert of it concerns the incident, and the message
  /// was sent between the incident's start and its end plus the grace.
  static func named(_ alerts: [NotifiedAlert], at atMs: Int64, file: IncidentsFile) -> [Int] {
    file.incidents.indices.filter { i in
      let incident = file.incidents[i]
      return atMs >= incident.startMs && atMs <= incident.endMs + file.graceMs
        && alerts.contains { incident.concerns($0.labels) }
    }
  }

  /// Whether a message on a receiver of `kind` is called for by an incident expecting `expect`:
  /// a page by a page; a ticket by a ticket or a page (an incident is also work for the day).
  static func satisfies(_ expect: LabelledIncident.Expect, _ kind: LabelledIncident.Expect) -> Bool {
    switch (expect, kind) {
    case (.page, _): true
    case (.ticket, .ticket): true
    default: false
    }
  }

  /// The most of `times` (ascending) within any `spanMs`.
  package static func mostWithin(_ spanMs: Int64, _ times: [Int64]) -> Int {
    var best = 0
    var from = 0
    for (i, t) in times.enumerated() {
      while t - times[from] >= spanMs { from += 1 }
      best = max(best, i - from + 1)
    }
    return best
  }
}
