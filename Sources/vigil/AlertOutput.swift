import ArgumentParser
import VigilCore
import VigilRules

/// Output formats of commands that print alerts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// Loading rules for the commands that use them.
enum AlertOutput {
  /// Loads rules or prints every error (one line each) and exits 2.
  static func loadRules(_ path: String) throws -> RuleSet {
    do {
      return try RulesLoader.load(path: path)
    } catch {
      for e in error.errors { Console.error(e.description) }
      throw ExitCode(2)
    }
  }
}

/// Options shared by commands that read alerts.yaml.
struct RulesOptions: ParsableArguments {
  @Option(name: .long, help: "The rules file.")
  var rules = "alerts.yaml"
}

/// Parses an RFC 3339 time or a Unix time in seconds.
func parseTime(_ text: String) -> Int64? {
  if let ms = Timestamp.parseRFC3339(text) { return ms }
  if let s = Double(text), s >= 0 { return Int64(s * 1000) }
  return nil
}
