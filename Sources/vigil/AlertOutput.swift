import ArgumentParser
import Foundation
import VigilConfig
import VigilCore

/// Output formats of commands that print alerts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// Loading rules for the commands that use them.
enum AlertOutput {
  /// Loads rules or prints every error (one line each) and exits 2; warnings go to stderr.
  static func loadRules(_ path: String) throws -> RuleSet {
    guard FileManager.default.fileExists(atPath: path) else {
      Console.error(
        "no rules file at \(path): give one with --rules FILE (the repository's alerts.yaml is a start; `vigil rules check FILE` validates it)"
      )
      throw ExitCode(2)
    }
    do {
      let set = try RulesLoader.load(path: path)
      for w in set.warnings { Console.error("warning: \(w)") }
      return set
    } catch {
      for e in error.errors { Console.error(e.description) }
      throw ExitCode(2)
    }
  }
}

/// Options shared by commands that read alerts.yaml.
struct RulesOptions: ParsableArguments {
  @Option(name: .long, help: "The rules file.")
  var rules = VigilDefaults.rulesPath
}

/// Parses an RFC 3339 time or a Unix time in seconds (up to the end of year 9999).
func parseTime(_ text: String) -> Int64? {
  if let ms = Timestamp.parseRFC3339(text) { return ms }
  guard let s = Double(text), s >= 0, s * 1000 <= Double(Timestamp.maxMs) else { return nil }
  return Int64(s * 1000)
}

/// Checks a duration option (`--since 24h`): one clear error when it is not a duration, is too
/// long, or (with `positive`) is zero.
@discardableResult
func validateDuration(_ option: String, _ text: String, positive: Bool = true, example: String) throws
  -> Int64
{
  do {
    let ms = try DurationText.parse(text)
    guard !positive || ms > 0 else {
      throw ValidationError("\(option) '\(text)' must be more than 0, such as \(example)")
    }
    return ms
  } catch let problem as DurationText.Problem {
    throw ValidationError(
      problem == .tooLong
        ? "\(option) '\(text)' is longer than the longest duration accepted (36500d)"
        : "\(option) '\(text)' is not a duration such as \(example)")
  }
}
