import ArgumentParser
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
      """)

  @OptionGroup var rulesOptions: RulesOptions

  @Option(help: "Evaluation step in event time; default: the rules' evaluation_interval.")
  var step: String?

  @Option(help: "text, or json: one object per transition per line, then one summary object per rule.")
  var format: OutputFormat = .text

  @Argument(help: "Call-log files (plain or .gz), or - for standard input.")
  var files: [String]

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("name at least one call-log file") }
    if let step { try validateDuration("--step", step, example: "15s") }
  }

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
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
    let pipeline = AlertPipeline(rules: rules)
    let summaries = try Replay(rules: rules, source: recorder.rollups).backtest(
      buckets: recorder.rollups.bucketStarts, stepMs: stepMs
    ) { transition in
      if let alert = pipeline.alert(transition) { print(AlertLine.format(alert, json: format == .json)) }
    }
    printSummary(rules, summaries)
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
