import ArgumentParser
import VigilAlerting
import VigilConfig
import VigilCore

struct Rules: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate rules files and run their unit tests.",
    subcommands: [CheckRules.self, TestRules.self])
}

struct CheckRules: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate a rules file: every error with its line and column. Exit 1 if invalid.")

  @Argument(help: "The rules file.")
  var file = VigilDefaults.rulesPath

  func run() throws {
    do {
      let set = try RulesLoader.load(path: file)
      for w in set.warnings { Console.error("warning: \(w)") }
      print("\(file): \(set.rules.count) rules OK (\(set.rules.map(\.name).joined(separator: ", ")))")
    } catch {
      for e in error.errors { Console.error(e.description) }
      if ConfigFileKind.isServeFile(error) {
        Console.error(
          "\(file) is a serve settings file (vigil.yaml), not a rules file: check it with `vigil config check \(file)`"
        )
      }
      throw ExitCode(1)
    }
  }
}

struct TestRules: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Run rule unit tests: described traffic over time, and the alerts expected at given times.",
    discussion: "See the README (\"Testing rules\") for the format. Exit 1 if any case fails.")

  @Argument(help: "Rule test files.")
  var files: [String]

  func run() throws {
    var failed = 0
    var passed = 0
    for file in files {
      do {
        let outcome = try RuleTestRunner.run(path: file)
        for line in outcome.failures { print(line) }
        failed += outcome.failures.isEmpty ? 0 : 1
        passed += outcome.passedCases
        if outcome.failures.isEmpty { print("\(file): \(outcome.passedCases) cases passed") }
      } catch let errors as ConfigErrors {
        for e in errors.errors { Console.error(e.description) }
        throw ExitCode(2)
      } catch {
        Console.error("\(error)")
        throw ExitCode(2)
      }
    }
    if failed > 0 { throw ExitCode(1) }
  }
}
