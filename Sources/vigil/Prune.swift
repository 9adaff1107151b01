import ArgumentParser
import VigilCore
import VigilStore

struct Prune: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Delete raw calls and rollups older than their retention (for a daily cron job).",
    discussion: """
      Raw calls serve drill-down and exact queries; rollups serve alerts, charts and backtests and \
      are small, so they are kept longer. Ages are measured back from the newest stored call's \
      time (or --now), so replaying old logs is not pruned away as it is imported.
      """)

  @OptionGroup var store: ExistingStoreOptions

  @Option(help: "Keep raw calls this long (e.g. 7d, 36h).")
  var raw = "\(VigilDefaults.retainRawMs / 86_400_000)d"

  @Option(help: "Keep rollups this long (e.g. 90d).")
  var rollups = "\(VigilDefaults.retainRollupsMs / 86_400_000)d"

  @Option(help: "Measure ages back from this time (RFC 3339) instead of the newest stored call.")
  var now: String?

  func validate() throws {
    let rawMs = try validateDuration("--raw", raw, example: "7d or 36h")
    let rollupMs = try validateDuration("--rollups", rollups, example: "90d")
    guard rollupMs >= rawMs else { throw ValidationError("--rollups must be at least as long as --raw") }
    if let now, Timestamp.parseRFC3339(now) == nil {
      throw ValidationError("--now '\(now)' is not an RFC 3339 time")
    }
  }

  func run() throws {
    do {
      let database = try store.existing()
      guard let reference = try now.flatMap(Timestamp.parseRFC3339) ?? database.retentionReferenceMs() else {
        print("nothing stored; nothing to prune")
        return
      }
      let deleted = try database.prune(
        rawBeforeMs: reference - DurationText.parseMs(raw)!,
        rollupsBeforeMs: reference - DurationText.parseMs(rollups)!)
      print(
        "pruned \(deleted) raw calls older than \(raw) and rollups older than \(rollups) before \(Timestamp.formatRFC3339(reference))"
      )
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
  }
}
