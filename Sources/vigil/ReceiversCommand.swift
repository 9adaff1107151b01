import ArgumentParser
import VigilCore

struct Receivers: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the receivers of a rules file, secrets redacted, and whether their variables are set.")

  @OptionGroup var rulesOptions: RulesOptions

  func run() throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    for r in rules.receivers { print(r.redactedDescription) }
    Delivering.warnAboutUnsetSecrets(rules)
  }
}
