import ArgumentParser
import VigilAlerting
import VigilCore
import VigilDelivery
import VigilStore

struct Outbox: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List, retry and flush the notification outbox.",
    subcommands: [OutboxList.self, OutboxShow.self, OutboxRetry.self, OutboxFlush.self],
    defaultSubcommand: OutboxList.self)
}

struct OutboxList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "Messages in the outbox: pending and dead ones by default.")

  @OptionGroup var store: ExistingStoreOptions

  @Option(help: "pending, dead, delivered or all (repeatable).")
  var state: [String] = ["pending", "dead"]

  @Option(help: "At most this many, newest first.")
  var limit = 50

  func validate() throws {
    for s in state where s != "all" && OutboxEntry.State(rawValue: s) == nil {
      throw ValidationError("--state '\(s)': one of pending, dead, delivered, all")
    }
  }

  func run() throws {
    let states = state.contains("all") ? OutboxEntry.State.allCases : state.compactMap(OutboxEntry.State.init)
    try reportingErrors {
      let database = try store.existing()
      let counts = try database.outboxCounts()
      print(OutboxEntry.State.allCases.map { "\($0.rawValue): \(counts[$0] ?? 0)" }.joined(separator: ", "))
      let entries = try database.outbox(states: states, limit: limit)
      guard !entries.isEmpty else { return }
      var rows = [
        ["id", "receiver", "state", "attempts", "next attempt", "created", "message", "last error"]
      ]
      for e in entries {
        rows.append([
          String(e.id), e.message.receiver, e.state.rawValue, String(e.attempts),
          e.state == .pending ? Timestamp.formatRFC3339(e.nextAttemptMs) : "-",
          Timestamp.formatRFC3339(e.createdMs), String(e.message.title.prefix(60)),
          String((e.lastError ?? "").prefix(80)),
        ])
      }
      print(Table.render(rows))
    }
  }
}

struct OutboxShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "Print one message exactly as it is (or was) sent.")

  @OptionGroup var store: ExistingStoreOptions

  @Argument(help: "The message id (from `vigil outbox`).")
  var id: Int64

  func run() throws {
    try reportingErrors {
      let database = try store.existing()
      guard
        let e = try database.outbox(states: OutboxEntry.State.allCases, limit: Int.max).first(where: {
          $0.id == id
        })
      else {
        Console.error("no message #\(id) in the outbox")
        throw ExitCode(1)
      }
      print(
        TerminalText.escape(
          "# \(e.message.receiver) \(e.state.rawValue) \(e.message.contentType): \(e.message.title)"))
      print(String(decoding: e.message.body, as: UTF8.self))
    }
  }
}

struct OutboxRetry: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retry", abstract: "Queue dead letters again, due now, with their attempts reset.")

  @OptionGroup var store: ExistingStoreOptions

  @Flag(help: "Every dead letter.")
  var all = false

  @Argument(help: "Message ids.")
  var ids: [Int64] = []

  func validate() throws {
    if ids.isEmpty && !all { throw ValidationError("name message ids, or --all") }
  }

  func run() throws {
    try reportingErrors {
      let database = try store.existing()
      let n = try database.retryDead(ids: all ? [] : ids, nowMs: WallClock.nowMs())
      print(
        "\(n) message\(n == 1 ? "" : "s") queued again; `vigil outbox flush` (or the next check) sends them")
    }
  }
}

struct OutboxFlush: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flush", abstract: "Deliver what is due now; retry failures for at most --send-timeout.")

  @OptionGroup var store: StoreOptions
  @OptionGroup var rulesOptions: RulesOptions

  @OptionGroup var delivery: DeliveryOptions

  func run() async throws {
    let rules = try AlertOutput.loadRules(rulesOptions.rules)
    let environment = try delivery.environment()
    try await reportingAsyncErrors {
      let report = try await Delivering.run(
        db: store.db, busyTimeout: store.busyTimeout, rules: rules, environment: environment,
        waitMs: delivery.waitMs
      )
      Console.note("delivered \(report.delivered), to retry \(report.retried), dead \(report.dead)")
      if report.retried + report.dead > 0 { throw ExitCode(1) }
    }
  }
}
