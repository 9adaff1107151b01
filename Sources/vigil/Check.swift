import ArgumentParser
import VigilCore
import VigilIngest
import VigilRules
import VigilStore

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Ingest what is new, evaluate the rules once, announce changes (the cron job).",
    discussion: """
      Exit status: 0 when no alert is firing, 1 when at least one is, 2 on an error. Alert state is
      kept in the database, so running it again announces nothing twice: only alerts that start
      firing or resolve are printed.
      """)

  @OptionGroup var store: StoreOptions
  @OptionGroup var rulesOptions: RulesOptions

  @Option(help: "Evaluate at this time (RFC 3339 or Unix seconds) instead of now.")
  var at: String?

  @Option(help: "How announcements are printed: text or json (one object per line).")
  var format: OutputFormat = .text

  @Flag(help: "Do not print the status table.")
  var quiet = false

  @Argument(help: "Call-log files to ingest first (new lines only).")
  var files: [String] = []

  func validate() throws {
    if let at, parseTime(at) == nil {
      throw ValidationError("--at '\(at)' is not an RFC 3339 time or Unix seconds")
    }
  }

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    let nowMs = at.flatMap(parseTime) ?? Store.wallClockMs()
    do {
      let database = try Store(path: store.db, busyTimeoutMs: store.busyTimeout)
      let importer = Importer(store: database)
      for file in files {
        let result = try importer.ingest(path: file)
        for note in result.notes { Console.info("vigil: \(note)") }
      }
      // Catch up: evaluate at every interval since the last run (at most an hour back; the first
      // run looks back the full hour), so that `for` is measured on the data, not on how often
      // cron runs, and a first run reaches the same states as a backtest of that hour.
      let interval = rules.evaluationIntervalMs
      let horizon: Int64 = 3_600_000
      var from = try database.lastEvaluationMs().map { $0 + interval } ?? (nowMs - horizon)
      from = max(from, nowMs - horizon)
      var steps: [Int64] = [nowMs]
      while let earliest = steps.first, earliest - interval >= from {
        steps.insert(earliest - interval, at: 0)
      }
      var states = try database.alertStates()
      var transitions: [AlertTransition] = []
      var last: Evaluation?
      for t in steps {
        let evaluation = try Evaluator.evaluate(rules, source: database, atMs: t, previous: states)
        states = evaluation.states
        transitions += evaluation.transitions
        last = evaluation
      }
      guard let evaluation = last else { return }
      try database.saveEvaluation(states: states, transitions: transitions, evaluatedAtMs: nowMs)
      let byName = Dictionary(uniqueKeysWithValues: rules.rules.map { ($0.name, $0) })
      for t in transitions where t.isAnnounced {
        print(AlertOutput.line(t, rule: byName[t.key.rule], format: format))
      }
      if !quiet && format == .text { printStatus(evaluation, rules: byName, nowMs: nowMs) }
      if !evaluation.firing.isEmpty { throw ExitCode(1) }
    } catch let exit as ExitCode {
      throw exit
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
  }

  func printStatus(_ e: Evaluation, rules: [String: AlertRule], nowMs: Int64) {
    var rows = [["rule", "labels", "state", "value", "threshold", "attempts"]]
    for g in e.groups.sorted(by: { $0.key < $1.key }) {
      guard let rule = rules[g.key.rule] else { continue }
      let threshold = "\(rule.comparison.rawValue) \(rule.metric.format(rule.threshold))"
      rows.append([
        g.key.rule, g.key.group.isEmpty ? "-" : g.key.group, g.phase.rawValue, rule.metric.format(g.value),
        threshold, String(g.attempts),
      ])
    }
    print("status at \(Timestamp.formatRFC3339(nowMs)):")
    print(Table.render(rows))
  }
}
