import ArgumentParser
import Foundation
import VigilCore

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Hand alerts.yaml to other engines.", subcommands: [ExportPrometheusRules.self])
}

struct ExportPrometheusRules: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prometheus-rules",
    abstract: "Write the rules as Prometheus alerting rules over the metrics of `vigil serve`.",
    discussion: """
      Load the output into Prometheus (rule_files:), Mimir or Thanos Ruler, scrape each host's
      `vigil serve` at /metrics, and route the alerts through Alertmanager. Check it with
      `promtool check rules`.
      """)

  @OptionGroup var rulesOptions: RulesOptions

  @Option(help: "Write to this file instead of standard output.")
  var out: String?

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    let text = PrometheusRules.export(rules, source: rulesOptions.rules)
    if let out {
      guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
        Console.error("cannot write \(out)")
        throw ExitCode(2)
      }
    } else {
      print(text, terminator: "")
    }
  }
}
