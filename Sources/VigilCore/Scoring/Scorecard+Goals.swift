/// Figures of a receiver's score over a set of incidents, and the goals judged on them.
extension Scorecard {
  /// Time to detect: incident start to the first firing message naming it.
  package func timeToDetect(_ r: IncidentResult) -> Int64? {
    r.detectedAtMs.map { $0 - file.incidents[r.incident].startMs }
  }

  /// Time to reset: incident end to the resolved message that closes it; an all-clear sent
  /// before the end counts as 0 (it was early, not slow). `nil` when none came.
  package func timeToReset(_ r: IncidentResult) -> Int64? {
    r.resetAtMs.map { max(0, $0 - file.incidents[r.incident].endMs) }
  }

  /// The figures of `results` (one receiver's incidents, or a goal's share of them).
  package struct Figures: Sendable, Equatable {
    package var incidents = 0
    package var detected = 0
    package var recall: Double?
    package var ttdMedianMs: Int64?
    package var ttdMaxMs: Int64?
    package var ttrMaxMs: Int64?
    /// Detected incidents that never got their resolved message.
    package var neverReset = 0
    package var messagesMean: Double?
    package var messagesMax: Int?
  }

  package func figures(_ results: [IncidentResult]) -> Figures {
    var f = Figures()
    f.incidents = results.count
    let detected = results.filter { $0.detectedAtMs != nil }
    f.detected = detected.count
    f.recall = results.isEmpty ? nil : Double(detected.count) / Double(results.count)
    let ttd = detected.compactMap(timeToDetect).sorted()
    f.ttdMedianMs = ttd.isEmpty ? nil : ttd[(ttd.count - 1) / 2]
    f.ttdMaxMs = ttd.last
    f.ttrMaxMs = detected.compactMap(timeToReset).max()
    f.neverReset = detected.filter { $0.resetAtMs == nil }.count
    f.messagesMax = detected.map(\.messages).max()
    f.messagesMean =
      detected.isEmpty ? nil : Double(detected.map(\.messages).reduce(0, +)) / Double(detected.count)
    return f
  }

  /// One goal judged on one receiver.
  package struct GoalCheck: Sendable, Equatable {
    package var goal: String
    package var receiver: String
    /// Which incidents it judged (`all incidents`, `>= 5m, >= 1/s`); empty for receiver-wide goals.
    package var scope: String
    package var target: String
    package var actual: String
    package var met: Bool
    /// The goal's line in the incidents file.
    package var line: Int
  }

  /// Every goal of the file, judged on each receiver it names (by default, every receiver that
  /// pages), in file order.
  package func checkGoals() -> [GoalCheck] {
    var out: [GoalCheck] = []
    for goal in file.goals {
      let judged = receivers.filter {
        goal.receivers.isEmpty ? $0.kind == .page : goal.receivers.contains($0.receiver)
      }
      for score in judged {
        let f = figures(score.incidents.filter { goal.scope.contains(file.incidents[$0.incident]) })
        func check(_ name: String, scoped: Bool, _ target: String, _ actual: String, _ met: Bool) {
          out.append(
            GoalCheck(
              goal: name, receiver: score.receiver, scope: scoped ? goal.scope.text : "", target: target,
              actual: actual, met: met, line: goal.line))
        }
        if let want = goal.recall {
          let got = f.recall ?? 1
          check(
            "recall", scoped: true, ">= \(Self.percent(want))",
            "\(Self.percent(got)) (\(f.detected) of \(f.incidents))", got >= want - 1e-12)
        }
        if let want = goal.timeToDetectMs {
          check(
            "time_to_detect", scoped: true, "<= \(DurationText.format(want))",
            f.ttdMaxMs.map(DurationText.format) ?? "-", (f.ttdMaxMs ?? 0) <= want)
        }
        if let want = goal.timeToResetMs {
          let actual =
            f.neverReset > 0
            ? "\(f.neverReset) never reset" : f.ttrMaxMs.map(DurationText.format) ?? "-"
          check(
            "time_to_reset", scoped: true, "<= \(DurationText.format(want))", actual,
            f.neverReset == 0 && (f.ttrMaxMs ?? 0) <= want)
        }
        if let want = goal.messagesPerIncident {
          check(
            "messages_per_incident", scoped: true, "<= \(want)", f.messagesMax.map(String.init) ?? "-",
            (f.messagesMax ?? 0) <= want)
        }
        if let want = goal.precision {
          let got = score.precision ?? 1
          check(
            "precision", scoped: false, ">= \(Self.percent(want))",
            "\(Self.percent(got)) (\(score.truePages) of \(score.firingMessages))", got >= want - 1e-12)
        }
        if let want = goal.pagesPer12h {
          check("pages_per_12h", scoped: false, "<= \(want)", String(score.worst12h), score.worst12h <= want)
        }
        if let want = goal.falsePagesPerWeek {
          check(
            "false_pages_per_week", scoped: false, "<= \(formatPlain(want))",
            Self.rounded(score.falsePerWeek)
              + " (\(score.falsePages.count) in \(DurationText.format(spanMs / 1000 * 1000)))",
            score.falsePerWeek <= want + 1e-9)
        }
      }
    }
    return out
  }

  /// `87.5%`.
  package static func percent(_ share: Double) -> String { rounded(share * 100) + "%" }

  /// One decimal at most: `12`, `12.5`.
  package static func rounded(_ v: Double) -> String { formatPlain((v * 10).rounded() / 10) }
}
