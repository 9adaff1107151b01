import ArgumentParser
import Foundation
import VigilConfig
import VigilCore

struct Config: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate vigil.yaml, the settings of `vigil serve`.",
    subcommands: [CheckConfig.self])
}

/// `vigil config check`, as `amtool check-config`: the serve settings with every error at its line
/// and column, the rules file they name loaded as serve would load it, and a summary of what was
/// found. Exit 1 if either is invalid.
struct CheckConfig: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate a serve settings file and the rules file it names. Exit 1 if invalid.",
    discussion: """
      Every error with its line and column, then what the file sets: the database, the rules \
      (loaded and counted), the logs followed, the listeners, retention and logging.

      Example:
        vigil config check /etc/vigil/vigil.yaml
      """)

  @Argument(help: "The settings file.")
  var file = "vigil.yaml"

  func run() throws {
    let c: ServeConfig
    do {
      c = try ServeConfigLoader.load(path: file)
    } catch {
      for e in error.errors { Console.error(e.description) }
      if ConfigFileKind.isRulesFile(error) {
        Console.error(
          "\(file) looks like a rules file (alerts.yaml): check it with `vigil rules check \(file)`")
      }
      throw ExitCode(1)
    }
    var lines = ["\(file): serve settings OK", "  db: \(c.db)"]
    var failed = false
    if !FileManager.default.fileExists(atPath: c.rules) {
      Console.error("\(file): rules: no rules file at \(c.rules) (serve would not start)")
      failed = true
    } else {
      do {
        let set = try RulesLoader.load(path: c.rules)
        for w in set.warnings { Console.error("warning: \(w)") }
        lines.append("  rules: \(c.rules) (\(set.rules.count) rules, \(set.receivers.count) receivers)")
      } catch {
        for e in error.errors { Console.error(e.description) }
        failed = true
      }
    }
    let off = "off"
    lines += [
      "  follow: "
        + (c.follow.isEmpty
          ? "none" : c.follow.joined(separator: ", ") + " (start at \(c.startAt.rawValue))"),
      "  udp: \(c.udp?.description ?? off)",
      "  http: \(c.http?.description ?? off)"
        + (c.httpTokenEnv.map { " (token from $\($0))" } ?? ""),
      "  otlp: \(c.otlp?.description ?? off)",
      "  retention: raw \(DurationText.format(c.retainRawMs)), rollups \(DurationText.format(c.retainRollupsMs)), delivered messages \(DurationText.format(c.retainDeliveredMs)), every \(DurationText.format(c.retentionEveryMs))",
      "  log: \(c.log.level.rawValue), \(c.log.format.rawValue)",
    ]
    if let name = c.httpTokenEnv, ProcessInfo.processInfo.environment[name] == nil {
      Console.error("warning: \(file): http.token_env names \(name), which is not set here")
    }
    if failed { throw ExitCode(1) }
    for line in lines { print(line) }
  }
}
