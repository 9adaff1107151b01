import ArgumentParser
import Foundation
import VigilCore
import VigilStore

struct Silences: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "silence",
    abstract: "Mute notifications of matching alerts for a while; their state is kept.",
    subcommands: [SilenceAdd.self, SilenceList.self, SilenceExpire.self],
    defaultSubcommand: SilenceList.self)
}

struct SilenceAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Add a silence: alerts matching every matcher are left out of messages until it ends.",
    discussion: """
      Matchers as in Alertmanager: provider=openai, model!=gpt-4o, alertname=~"High.*", \
      env!~"dev|test" (regular expressions match the whole value). Example:
        vigil silence add alertname=HighRateLimitRate provider=openai --duration 2h --comment "quota raise pending"
      """)

  @OptionGroup var store: StoreOptions

  @Argument(help: "Label matchers, all of which must match.")
  var matchers: [String]

  @Option(help: "How long it lasts (e.g. 2h); or give --until.")
  var duration: String?

  @Option(help: "When it ends (RFC 3339 or Unix seconds).")
  var until: String?

  @Option(help: "When it starts (RFC 3339 or Unix seconds); default now.")
  var start: String?

  @Option(help: "Why; shown in listings.")
  var comment = ""

  @Option(help: "Who; default $USER.")
  var author: String?

  func validate() throws {
    guard !matchers.isEmpty else { throw ValidationError("name at least one matcher, e.g. provider=openai") }
    for m in matchers {
      do { _ = try LabelMatcher.parse(m) } catch { throw ValidationError(error.description) }
    }
    guard (duration == nil) != (until == nil) else { throw ValidationError("give --duration or --until") }
    if let duration { try validateDuration("--duration", duration, example: "2h") }
    for (name, value) in [("--until", until), ("--start", start)] {
      if let value, parseTime(value) == nil { throw ValidationError("\(name) '\(value)' is not a time") }
    }
  }

  func run() throws {
    let now = WallClock.nowMs()
    let startMs = start.flatMap(parseTime) ?? now
    let endMs = until.flatMap(parseTime) ?? (startMs + DurationText.parseMs(duration!)!)
    guard endMs > startMs else {
      Console.error("the silence would end before it starts")
      throw ExitCode(2)
    }
    var random = SystemRandomNumberGenerator()
    let id = String(random.next(), radix: 16)
    let silence = Silence(
      id: id, matchers: matchers.map { try! LabelMatcher.parse($0) }, startsAtMs: startMs, endsAtMs: endMs,
      createdBy: author ?? (ProcessInfo.processInfo.environment["USER"] ?? ""), comment: comment)
    try reportingErrors {
      let database = try Store(path: store.db, busyTimeoutMs: store.busyTimeout)
      try database.addSilence(silence, nowMs: now)
      print(id)
    }
  }
}

struct SilenceList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "Silences in force (--all: every one).")

  @OptionGroup var store: ExistingStoreOptions

  @Flag(help: "Include expired and future silences.")
  var all = false

  func run() throws {
    try reportingErrors {
      let database = try store.existing()
      let now = WallClock.nowMs()
      let list = try database.silences(activeAtMs: all ? nil : now)
      guard !list.isEmpty else {
        print(all ? "no silences" : "no silences in force")
        return
      }
      var rows = [["id", "state", "matchers", "starts", "ends", "by", "comment"]]
      for s in list {
        let state = s.isActive(atMs: now) ? "active" : (s.startsAtMs > now ? "pending" : "expired")
        rows.append([
          s.id, state, s.matchers.map(\.description).joined(separator: ","),
          Timestamp.formatRFC3339(s.startsAtMs),
          Timestamp.formatRFC3339(s.endsAtMs), s.createdBy, s.comment,
        ])
      }
      // Every column is text: each starts where its header does.
      print(Table.render(rows, left: Set(rows[0].indices)))
    }
  }
}

struct SilenceExpire: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "expire", abstract: "End silences now.")

  @OptionGroup var store: ExistingStoreOptions

  @Argument(help: "Silence ids (or a unique prefix of at least 4 characters).")
  var ids: [String]

  func run() throws {
    try reportingErrors {
      let database = try store.existing()
      var missing: [String] = []
      for id in ids where try !database.expireSilence(id: id, nowMs: WallClock.nowMs()) {
        missing.append(id)
      }
      guard missing.isEmpty else {
        Console.error("no silence \(missing.joined(separator: ", "))")
        throw ExitCode(1)
      }
    }
  }
}
