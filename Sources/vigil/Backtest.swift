import ArgumentParser
import Foundation
import VigilAlerting
import VigilConfig
import VigilCore
import VigilIngest
import VigilStore

struct Backtest: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Replay call logs through the rules and print every alert that would have fired.",
    discussion: """
      The logs are read into rollups in memory (nothing is stored), then the same evaluator that \
      `check` and `serve` use runs at every --step of event time from the first call to the last. \
      Ends with a summary per rule: times fired, time spent firing, flaps (a fire within 10 \
      minutes of the same alert resolving), and the first detection. Tune thresholds on last \
      week's logs here before going live.

      With --incidents FILE (labelled incidents, goals, and which receivers page), the messages \
      each receiver would have got (grouping, group_wait, fold, inhibitions; silences with \
      --silences-from) are scored instead: recall, precision, time to detect and to reset, \
      messages per incident, pages in the worst 12 hours, false pages per week; a table per \
      receiver, then per rule. Exit status 1 when a goal is not met, 2 on an error.
      """)

  @OptionGroup var rulesOptions: RulesOptions

  @Option(help: "Evaluation step in event time; default: the rules' evaluation_interval.")
  var step: String?

  @Option(help: "text, or json: one object per transition per line, then one summary object per rule.")
  var format: OutputFormat = .text

  @Option(help: "Labelled incidents and goals (YAML): score the messages against them.")
  var incidents: String?

  @Option(help: "Apply the silences recorded in this vigil database (with --incidents).")
  var silencesFrom: String?

  @Argument(help: "Call-log files (plain or .gz), or - for standard input.")
  var files: [String]

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("name at least one call-log file") }
    if let step { try validateDuration("--step", step, example: "15s") }
    if silencesFrom != nil && incidents == nil {
      throw ValidationError("--silences-from goes with --incidents")
    }
  }

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    let labelled = try incidents.map(loadIncidents)
    let silences = try silencesFrom.map(loadSilences) ?? []
    let stepMs = step.flatMap(DurationText.parseMs) ?? rules.evaluationIntervalMs
    let recorder = RollupRecorder()
    do {
      let importer = Importer(store: recorder)
      for file in files {
        let result = file == "-" ? try importer.ingestStream(fd: 0) : try importer.ingest(path: file)
        for note in result.notes { Console.note(note, machineOutput: format == .json) }
      }
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
    if !recorder.rejects.isEmpty {
      Console.error(
        "\(recorder.rejects.count) lines rejected (first: \(recorder.rejects[0].source) line \(recorder.rejects[0].lineNumber ?? 0): \(recorder.rejects[0].reason))"
      )
    }
    guard recorder.rollups.range != nil else {
      Console.note("no calls in the input; nothing to replay", machineOutput: format == .json)
      return
    }
    if let labelled {
      let scorecard = try ScoredBacktest.run(
        rules: rules, rollups: recorder.rollups, stepMs: stepMs, incidents: labelled, silences: silences)
      let checks = scorecard.checkGoals()
      print(format == .json ? ScorecardText.json(scorecard, checks) : ScorecardText.text(scorecard, checks))
      if checks.contains(where: { !$0.met }) { throw ExitCode(1) }
      return
    }
    let pipeline = AlertPipeline(rules: rules)
    let summaries = try Replay(rules: rules, source: recorder.rollups).backtest(
      buckets: recorder.rollups.bucketStarts, stepMs: stepMs
    ) { transition in
      if let alert = pipeline.alert(transition) { print(AlertLine.format(alert, json: format == .json)) }
    }
    printSummary(rules, summaries)
  }

  func loadIncidents(_ path: String) throws -> IncidentsFile {
    guard FileManager.default.fileExists(atPath: path) else {
      Console.error("no incidents file at \(path)")
      throw ExitCode(2)
    }
    do {
      return try IncidentsLoader.load(path: path)
    } catch {
      for e in error.errors { Console.error(e.description) }
      throw ExitCode(2)
    }
  }

  func loadSilences(_ path: String) throws -> [Silence] {
    do {
      guard FileManager.default.fileExists(atPath: path) else { throw MissingDatabase(path: path) }
      return try Store(path: path).silences()
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
  }

  func printSummary(_ rules: RuleSet, _ summaries: [String: Replay.RuleSummary]) {
    switch format {
    case .json:
      for rule in rules.rules {
        let s = summaries[rule.name] ?? Replay.RuleSummary()
        print(
          "{\"summary\":\(JSONText.quote(rule.name)),\"fired\":\(s.fired),\"firing_seconds\":\(s.firingMs / 1000),"
            + "\"flaps\":\(s.flaps),\"first_detection\":\(s.firstDetectionMs.map { JSONText.quote(Timestamp.formatRFC3339($0)) } ?? "null"),"
            + "\"firing_at_end\":\(s.firingAtEnd)}")
      }
    case .text:
      var rows = [["rule", "fired", "time firing", "flaps", "first detection"]]
      for rule in rules.rules {
        let s = summaries[rule.name] ?? Replay.RuleSummary()
        rows.append([
          rule.name, String(s.fired),
          DurationText.format(s.firingMs / 1000 * 1000)
            + (s.firingAtEnd ? " (still firing)" : ""),
          String(s.flaps), s.firstDetectionMs.map(Timestamp.formatRFC3339) ?? "-",
        ])
      }
      print("")
      print(Table.render(rows))
    }
  }
}
