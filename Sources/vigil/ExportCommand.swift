import ArgumentParser
import Foundation
import VigilCore

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Hand alerts.yaml to other engines.",
    subcommands: [ExportPrometheusRules.self, ExportAlertmanager.self])
}

struct ExportPrometheusRules: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prometheus-rules",
    abstract: "Write the rules as Prometheus alerting rules over the metrics of `vigil serve`.",
    discussion: """
      Load the output into Prometheus (rule_files:), Mimir or Thanos Ruler, scrape each host's \
      `vigil serve` at /metrics, and route the alerts through Alertmanager. Check it with \
      `promtool check rules`. For VictoriaMetrics' vmalert, pass --engine vmalert (check it \
      with `vmalert -rule=FILE -dryRun`).
      """)

  @OptionGroup var rulesOptions: RulesOptions

  @Option(help: "Write to this file instead of standard output.")
  var out: String?

  @Option(help: "The ruler: prometheus (also Mimir, Thanos) or vmalert (1.79 refuses keep_firing_for).")
  var engine: String = PrometheusRules.Engine.prometheus.rawValue

  func validate() throws {
    guard PrometheusRules.Engine(rawValue: engine) != nil else {
      throw ValidationError("--engine must be prometheus or vmalert")
    }
  }

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    let engine = PrometheusRules.Engine(rawValue: engine) ?? .prometheus
    try write(PrometheusRules.export(rules, source: rulesOptions.rules, engine: engine), to: out)
  }
}

struct ExportAlertmanager: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "alertmanager",
    abstract: "Write the routing and inhibit rules as Alertmanager configuration.",
    discussion: """
      A route per receiver (matching the alerts that name it, with its grouping and waits), the \
      receivers by name, and inhibit_rules, for the alerts of `vigil export prometheus-rules`. \
      Give the receivers their integrations, then check it with `amtool check-config`.
      """)

  @OptionGroup var rulesOptions: RulesOptions

  @Option(help: "Write to this file instead of standard output.")
  var out: String?

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    try write(AlertmanagerConfig.export(rules, source: rulesOptions.rules), to: out)
  }
}

/// Writes an export to `out`, or to standard output.
func write(_ text: String, to out: String?) throws {
  guard let out else { return print(text, terminator: "") }
  guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
    Console.error("cannot write \(out)")
    throw ExitCode(2)
  }
  Console.note("wrote \(out) (\(text.utf8.count) bytes)")
}
