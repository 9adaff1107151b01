import ArgumentParser
import Foundation
import VigilAlerting
import VigilCore
import VigilDelivery
import VigilReport
import VigilStore

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract:
      "Report a period: metrics against thresholds, status codes, alerts, worst windows, token costs.",
    discussion: """
      Text, Markdown, JSON, or one self-contained HTML file (inline SVG charts, nothing fetched) \
      that reads well when mailed. Computed from rollups, so it stays fast over millions of calls.

      Examples:
        vigil report --since 24h --format html --out report.html
        vigil report --since 24h --email oncall-mail      # an email receiver of alerts.yaml
      """)

  @OptionGroup var store: ExistingStoreOptions
  @Option(
    help: ArgumentHelp(
      "The rules file: thresholds beside the metrics, email receivers (default alerts.yaml, when there is one).",
      valueName: "file"))
  var rules: String?

  @Option(help: "The period: the last DURATION (e.g. 24h, 7d) up to now (or --to).")
  var since: String?

  @Option(help: "Start of the period (RFC 3339 or Unix seconds).")
  var from: String?

  @Option(help: "End of the period (RFC 3339 or Unix seconds); default now.")
  var to: String?

  @Option(help: "text, markdown, json or html.")
  var format: ReportFormat = .text

  @Option(help: "Write the report to this file instead of standard output.")
  var out: String?

  @Option(help: "Mail the report (HTML and text) to this email receiver of the rules file.")
  var email: String?

  @Option(help: "Show times in this IANA time zone (e.g. Europe/Paris); default UTC.")
  var timezone: String?

  @Option(help: "Report on this provider alone.")
  var provider: String?

  @OptionGroup var delivery: DeliveryOptions

  func validate() throws {
    if since != nil && from != nil { throw ValidationError("give --since or --from, not both") }
    if let timezone, TimeZone(identifier: timezone) == nil {
      throw ValidationError(
        "--timezone '\(timezone)' is not a time zone (an IANA name such as Europe/Paris, or UTC)")
    }
    if let since { try validateDuration("--since", since, example: "24h") }
    for (name, value) in [("--from", from), ("--to", to)] {
      if let value, parseTime(value) == nil { throw ValidationError("\(name) '\(value)' is not a time") }
    }
  }

  func run() async throws {
    // A report needs no rules: without the file it reports the calls, with no thresholds.
    let rulesPath = self.rules ?? VigilDefaults.rulesPath
    let rules =
      self.rules == nil && !FileManager.default.fileExists(atPath: rulesPath)
      ? RuleSet() : try AlertOutput.loadRules(rulesPath)
    let now = WallClock.nowMs()
    let toMs = to.flatMap(parseTime) ?? now
    let fromMs = from.flatMap(parseTime) ?? (toMs - (since.flatMap(DurationText.parseMs) ?? 86_400_000))
    guard fromMs < toMs else {
      Console.error("the period is empty: --from must be before --to")
      throw ExitCode(2)
    }
    let receiver = try email.map { name in
      guard let r = rules.receiver(named: name), case .email = r.kind else {
        Console.error("no email receiver '\(name)' in \(rulesPath)")
        throw ExitCode(2)
      }
      return r
    }
    try await reportingAsyncErrors {
      let database = try store.existing()
      var report = try Report.build(
        store: database, rules: rules, fromMs: fromMs, toMs: toMs, nowMs: now, provider: provider)
      if let timezone, timezone != "UTC", let zone = TimeZone(identifier: timezone) {
        report.zone = ReportZone(name: timezone) { ms in
          zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
      }
      let text = report.render(format)
      if let out {
        guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
          throw Failure("cannot write \(out)")
        }
        Console.note(
          "wrote \(out): the \(format.rawValue) report of \(report.period), \(formatCount(Int64(text.utf8.count))) bytes"
        )
      } else if receiver == nil {
        print(text, terminator: "")
      }
      guard let receiver else { return }
      let subject = "Vigil report \(report.subjectSummary)"
      let message = EmailMessage.document(
        subject: subject, text: report.render(.text), html: report.html(), to: receiver, dateMs: now)!
      try database.enqueue([message], nowMs: now)
      let delivered = try await Delivering.run(
        db: store.db, busyTimeout: store.busyTimeout, rules: rules, environment: try delivery.environment(),
        waitMs: delivery.waitMs,
        only: [receiver.name])
      if delivered.delivered == 0 {
        Console.error(
          "the report was not delivered to \(receiver.name); it waits in the outbox (`vigil outbox`)")
        throw ExitCode(1)
      }
      Console.note("report mailed to \(receiver.name)")
    }
  }
}

extension Report {
  /// `2026-11-24 10:00 to 2026-11-25 10:00 UTC: 3 alerts, error rate 2.1%`.
  var subjectSummary: String {
    let f = { (ms: Int64) in
      String(Timestamp.formatRFC3339(ms).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
    let rate = MetricKind.errorRate.format(MetricKind.errorRate.value(of: total))
    return
      "\(f(fromMs)) to \(f(toMs)) UTC: \(alerts.count) alert\(alerts.count == 1 ? "" : "s"), error rate \(rate)"
  }
}
