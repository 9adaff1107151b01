import ArgumentParser
import VigilAlerting
import VigilConfig
import VigilCore
import VigilIngest
import VigilStore

struct Check: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Ingest what is new, evaluate the rules, notify the receivers (the cron job).",
    discussion: """
      Exit status: 0 when no alert is firing, 1 when at least one is, 2 on an error. Alert state, \
      the notification groups and the outbox are kept in the database, so running it again \
      announces nothing twice. Messages go through the outbox: a receiver that is down is retried \
      with backoff for --send-timeout, and what is still undelivered waits for the next run.
      """)

  @OptionGroup var store: StoreOptions
  @OptionGroup var rulesOptions: RulesOptions

  @Option(help: "Evaluate at this time (RFC 3339 or Unix seconds) instead of now.")
  var at: String?

  @Option(
    help: "How the stdout receiver prints alerts: text or json (one object per line); default: as configured."
  )
  var format: OutputFormat?

  @OptionGroup var delivery: DeliveryOptions

  @Flag(help: "Do not print the status table.")
  var quiet = false

  @Argument(help: "Call-log files to ingest first (new lines only).")
  var files: [String] = []

  func validate() throws {
    if let at, parseTime(at) == nil {
      throw ValidationError("--at '\(at)' is not an RFC 3339 time or Unix seconds")
    }
  }

  func run() async throws {
    var rules = try AlertOutput.loadRules(rulesOptions.rules)
    if let format { rules.setStdoutFormat(json: format == .json) }
    let environment = try delivery.environment()
    Delivering.warnAboutUnsetSecrets(rules, environment: environment)
    let nowMs = at.flatMap(parseTime) ?? WallClock.nowMs()
    let evaluation: Evaluation?
    do {
      let database = try Store(path: store.db, busyTimeoutMs: store.busyTimeout)
      let importer = Importer(store: database)
      for file in files {
        let result = try importer.ingest(path: file)
        for note in result.notes { Console.note(note, machineOutput: rules.printsJSON) }
      }
      // Catch up on every interval since the last run, under the write lock (see AlertPipeline).
      let outcome = try AlertPipeline(rules: rules).catchUp(
        store: database, atMs: nowMs, nowMs: WallClock.nowMs())
      if outcome.readOnly {
        Console.error(
          "\(Timestamp.formatRFC3339(nowMs)) is not after the last evaluation; nothing recorded or sent"
        )
      }
      evaluation = outcome.evaluation
      try await Delivering.run(
        db: store.db, busyTimeout: store.busyTimeout, rules: rules, environment: environment,
        waitMs: delivery.waitMs
      )
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
    guard let evaluation else { return }
    let byName = rules.rulesByName
    if !quiet && format != .json { printStatus(evaluation, rules: byName, nowMs: nowMs) }
    if !evaluation.firing.isEmpty { throw ExitCode(1) }
  }

  func printStatus(_ e: Evaluation, rules: [String: AlertRule], nowMs: Int64) {
    var rows = [["rule", "labels", "state", "value", "threshold", "attempts"]]
    for g in e.groups.sorted(by: { $0.key < $1.key }) {
      guard let rule = rules[g.key.rule] else { continue }
      rows.append([
        g.key.rule, g.key.group.isEmpty ? "-" : g.key.group,
        g.phase.rawValue + (g.noDataSinceMs.map { " (no data since \(Timestamp.formatRFC3339($0)))" } ?? ""),
        rule.metric.format(g.value),
        rule.thresholdText, String(g.attempts),
      ])
    }
    print("status at \(Timestamp.formatRFC3339(nowMs)):")
    print(Table.render(rows))
  }
}

extension RuleSet {
  /// Makes every stdout receiver print text or JSON lines (`--format`).
  /// Whether a stdout receiver prints JSON lines: notes then go to stderr, so stdout stays JSON.
  var printsJSON: Bool {
    receivers.contains { if case .stdout(json: true) = $0.kind { true } else { false } }
  }

  mutating func setStdoutFormat(json: Bool) {
    for i in receivers.indices {
      if case .stdout = receivers[i].kind { receivers[i].kind = .stdout(json: json) }
    }
  }
}
