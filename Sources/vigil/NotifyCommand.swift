import ArgumentParser
import VigilAlerting
import VigilCore
import VigilStore

struct Notify: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check receivers before a real incident does.", subcommands: [NotifyTest.self])
}

struct NotifyTest: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Send a test message to a receiver, through the outbox, and say whether it arrived.",
    discussion:
      "Exit status 0 when delivered, 1 when not (the test message is then removed from the outbox, so that nothing sends it later)."
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
    let environment = try delivery.environment()
    Delivering.warnAboutUnsetSecrets(checked, environment: environment)
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
      // One message, or for an Alertmanager one per replica.
      let messages = try MessageRenderer(externalURL: rules.externalURL, nowMs: now).renderAll(
        notification, for: target)
      let database = try Store(path: store.db, busyTimeoutMs: store.busyTimeout)
      let ids = try messages.map { try database.enqueueOne($0, nowMs: now) }
      _ = try await Delivering.run(
        db: store.db, busyTimeout: store.busyTimeout, rules: rules, environment: environment,
        waitMs: delivery.waitMs,
        only: [receiver])
      let done = Set(try database.outbox(states: [.delivered], limit: Int.max).map(\.id))
      // An Alertmanager cluster has it when one replica does (Prometheus's rule too); the others
      // are named, and their test message withdrawn.
      let missed = zip(ids, messages).filter { !done.contains($0.0) }
      if missed.count < ids.count {
        for (id, _) in missed { _ = try database.withdraw(id: id) }
        let names = missed.map(\.1.groupKey).joined(separator: ", ")
        Console.note(
          "delivered to \(receiver)"
            + (missed.isEmpty
              ? ""
              : " (not by \(names) of \(ids.count): see the lines above; its test message was withdrawn)"))
      } else {
        // A test that failed is over: it is not sent later by the next check or serve (the
        // channel would get a stale test post).
        for id in ids where !done.contains(id) { _ = try database.withdraw(id: id) }
        Console.error("not delivered to \(receiver); the test message was removed from the outbox")
        throw ExitCode(1)
      }
    }
  }
}
