import ArgumentParser
import Foundation
import VigilCore
import VigilStore

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

  /// The database, for a command that reads (or acts on what is stored): a missing file is an
  /// error, never a new empty database, so that a typo in --db cannot report "all quiet".
  func existing() throws -> Store {
    guard FileManager.default.fileExists(atPath: db) else { throw MissingDatabase(path: db) }
    return try Store(path: db, busyTimeoutMs: busyTimeout)
  }
}

/// `--db` names no file, for a command that only reads.
struct MissingDatabase: Error, CustomStringConvertible {
  var path: String
  var description: String {
    "no database at \(path): check --db (vigil ingest, check and serve create it; this command only reads)"
  }
}
