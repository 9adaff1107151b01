import ArgumentParser
import VigilCore

@main
struct Vigil: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vigil",
    abstract: "Error monitoring and alerting for applications that call LLM APIs.",
    version: VigilInfo.version,
    subcommands: [
      Ingest.self, Check.self, Backtest.self, Rules.self, Summary.self, Rejects.self, Prune.self, Outbox.self,
      Silences.self, Notify.self, Receivers.self, Serve.self, ReportCommand.self, Export.self,
    ])
}

/// Options every command that opens the database shares.
struct StoreOptions: ParsableArguments {
  @Option(name: .long, help: "The SQLite database file (created if missing).")
  var db = VigilDefaults.databasePath

  @Option(name: .long, help: "How long to wait for a database locked by another process, in milliseconds.")
  var busyTimeout = VigilDefaults.busyTimeoutMs

  func validate() throws {
    guard !db.isEmpty else { throw ValidationError("--db needs a file path") }
    guard busyTimeout >= 0 else { throw ValidationError("--busy-timeout must not be negative") }
  }
}
