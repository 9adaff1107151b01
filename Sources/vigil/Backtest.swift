import ArgumentParser
import VigilConfig
import VigilCore
import VigilIngest
import VigilNotify
import VigilStore

struct Backtest: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Replay call logs through the rules and print every alert that would have fired.",
    discussion: """
      The logs are read into rollups in memory (nothing is stored), then the same evaluator that
      `check` and `serve` use runs at every --step of event time from the first call to the last.
      Ends with a summary per rule: times fired, time spent firing, flaps (a fire within 10
      minutes of the same alert resolving), and the first detection. Tune thresholds on last
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

  struct RuleSummary {
    var fired = 0
    var firingMs: Int64 = 0
    var flaps = 0
    var firstDetectionMs: Int64?
  }

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    let stepMs = step.flatMap(DurationText.parseMs) ?? rules.evaluationIntervalMs
    let recorder = RollupRecorder()
    do {
      let importer = Importer(store: recorder)
      for file in files {
        let result = file == "-" ? try importer.ingestStream(fd: 0) : try importer.ingest(path: file)
        for note in result.notes { Console.info("vigil: \(note)") }
      }
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
    if !recorder.rejects.isEmpty {
      Console.info(
        "vigil: \(recorder.rejects.count) lines rejected (first: \(recorder.rejects[0].source) line \(recorder.rejects[0].lineNumber ?? 0): \(recorder.rejects[0].reason))"
      )
    }
    guard let (first, last) = recorder.range else {
      Console.info("vigil: no calls in the input; nothing to replay")
      return
    }
    let pipeline = AlertPipeline(rules: rules)
    var states: [AlertKey: AlertState] = [:]
    var summaries: [String: RuleSummary] = [:]
    var firedAt: [AlertKey: Int64] = [:]
    var resolvedAt: [AlertKey: Int64] = [:]
    let end = last + rollupBucketMs
    // Steps with no data in reach and no alert in play change nothing: skip to the next data, so
    // that a stray timestamp years away does not mean millions of empty evaluations.
    let dataBuckets = recorder.buckets.keys.sorted()
    let reach = rules.longestWindowMs + rollupBucketMs
    var next = 0
    var t = (first / stepMs + 1) * stepMs
    while t <= end + stepMs {
      while next < dataBuckets.count && dataBuckets[next] < t - reach { next += 1 }
      if states.isEmpty, next < dataBuckets.count, dataBuckets[next] >= t {
        t = max(t, (dataBuckets[next] / stepMs + 1) * stepMs)
      }
      let evaluation = try Evaluator.evaluate(rules, source: recorder, atMs: t, previous: states)
      states = evaluation.states
      for tr in evaluation.transitions where tr.isAnnounced {
        if let alert = pipeline.alert(tr) { print(AlertLine.format(alert, json: format == .json)) }
        var s = summaries[tr.key.rule, default: RuleSummary()]
        if tr.kind == .firing {
          s.fired += 1
          if s.firstDetectionMs == nil { s.firstDetectionMs = tr.atMs }
          if let r = resolvedAt[tr.key], tr.atMs - r <= 600_000 { s.flaps += 1 }
          firedAt[tr.key] = tr.atMs
        } else if let f = firedAt.removeValue(forKey: tr.key) {
          s.firingMs += tr.atMs - f
          resolvedAt[tr.key] = tr.atMs
        }
        summaries[tr.key.rule] = s
      }
      t += stepMs
    }
    // Alerts still firing at the end count until the end of the data.
    for (key, f) in firedAt { summaries[key.rule, default: RuleSummary()].firingMs += max(0, end - f) }
    printSummary(rules, summaries, still: Set(firedAt.keys.map(\.rule)))
  }

  func printSummary(_ rules: RuleSet, _ summaries: [String: RuleSummary], still: Set<String>) {
    switch format {
    case .json:
      for rule in rules.rules {
        let s = summaries[rule.name] ?? RuleSummary()
        print(
          "{\"summary\":\(JSONText.quote(rule.name)),\"fired\":\(s.fired),\"firing_seconds\":\(s.firingMs / 1000),"
            + "\"flaps\":\(s.flaps),\"first_detection\":\(s.firstDetectionMs.map { JSONText.quote(Timestamp.formatRFC3339($0)) } ?? "null"),"
            + "\"firing_at_end\":\(still.contains(rule.name))}")
      }
    case .text:
      var rows = [["rule", "fired", "time firing", "flaps", "first detection"]]
      for rule in rules.rules {
        let s = summaries[rule.name] ?? RuleSummary()
        rows.append([
          rule.name, String(s.fired),
          DurationText.format(s.firingMs / 1000 * 1000)
            + (still.contains(rule.name) ? " (still firing)" : ""),
          String(s.flaps), s.firstDetectionMs.map(Timestamp.formatRFC3339) ?? "-",
        ])
      }
      print("")
      print(Table.render(rows))
    }
  }
}
