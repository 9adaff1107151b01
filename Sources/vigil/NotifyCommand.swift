import ArgumentParser
import VigilCore
import VigilNotify
import VigilStore

struct Notify: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check receivers before a real incident does.", subcommands: [NotifyTest.self])
}

struct NotifyTest: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Send a test message to a receiver, through the outbox, and say whether it arrived.",
    discussion: "Exit status 0 when delivered, 1 when not (the message stays in the outbox, dead or pending)."
  )

  @OptionGroup var store: StoreOptions
  @OptionGroup var rulesOptions: RulesOptions

  @Argument(help: "The receiver's name in the rules file.")
  var receiver: String

  @OptionGroup var delivery: DeliveryOptions

  func run() async throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    guard let target = rules.receiver(named: receiver) else {
      Console.error(
        "no receiver '\(receiver)' in \(rulesOptions.rules) (it has: \(rules.receivers.map(\.name).joined(separator: ", ")))"
      )
      throw ExitCode(2)
    }
    var checked = rules
    checked.receivers = [target]
    Delivering.warnAboutUnsetSecrets(checked)
    let now = WallClock.nowMs()
    let alert = NotifiedAlert(
      labels: ["alertname": "VigilTest", "severity": "info", "provider": "test"],
      annotations: [
        "summary":
          "A test message from Vigil to receiver '\(receiver)': if you read this, alerts will reach you.",
        "description": "Sent by `vigil notify test \(receiver)`.", "value": "-", "threshold": "-",
      ],
      status: .firing, startsAtMs: now, metric: "test")
    let notification = AlertNotification(
      receiver: receiver, groupLabels: ["alertname": "VigilTest"], alerts: [alert], atMs: now)
    try await reportingAsyncErrors {
      let message = try MessageRenderer(externalURL: rules.externalURL, nowMs: now).render(
        notification, for: target)
      let database = try Store(path: store.db, busyTimeoutMs: store.busyTimeout)
      try database.enqueue([message], nowMs: now)
      let report = try await Delivering.run(
        db: store.db, busyTimeout: store.busyTimeout, rules: rules,
        waitMs: delivery.waitMs,
        only: [receiver])
      if report.delivered > 0 && report.retried + report.dead == 0 {
        Console.info("delivered to \(receiver)")
      } else {
        Console.error("not delivered to \(receiver); see `vigil outbox`")
        throw ExitCode(1)
      }
    }
  }
}
