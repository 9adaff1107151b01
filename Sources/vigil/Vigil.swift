import ArgumentParser
import Foundation
import VigilCore
import VigilStore

@main
struct Vigil: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vigil",
    abstract: "Error monitoring and alerting for applications that call LLM APIs.",
    discussion: """
      Exit status: 0 when all went well; 1 when what the command checks did not hold (alerts \
      firing in `check`, an invalid file in `rules check` or `config check`, a failed rule test, \
      a `notify test` not delivered); 2 for an error (a configuration, database or file that \
      cannot be used); 64 for a usage error (an unknown option, a missing or malformed \
      argument: EX_USAGE of sysexits.h), with the usage on stderr.
      """,
    version: BuildInfo.text,
    subcommands: [
      Ingest.self, Check.self, Backtest.self, Rules.self, Summary.self, Rejects.self, Prune.self, Outbox.self,
      Silences.self, Notify.self, Receivers.self, Serve.self, ReportCommand.self, Export.self, Config.self,
    ])
}

/// The database options of a command that creates the database when it is missing (ingest,
/// check, serve, silence add, notify test, outbox flush).
struct StoreOptions: ParsableArguments, DatabaseOptions {
  @Option(name: .long, help: "The SQLite database file (created if missing).")
  var db = VigilDefaults.databasePath

  @Option(name: .long, help: "How long to wait for a database locked by another process, in milliseconds.")
  var busyTimeout = VigilDefaults.busyTimeoutMs

  func validate() throws { try validateDatabaseOptions() }
}

/// The database options of a command that reads or acts on what is stored: a missing file is an
/// error, never a new empty database, so that a typo in --db cannot report "all quiet". Its help
/// says so (it once said "created if missing" for these too).
struct ExistingStoreOptions: ParsableArguments, DatabaseOptions {
  @Option(name: .long, help: "The SQLite database file (it must exist: this command never creates one).")
  var db = VigilDefaults.databasePath

  @Option(name: .long, help: "How long to wait for a database locked by another process, in milliseconds.")
  var busyTimeout = VigilDefaults.busyTimeoutMs

  func validate() throws { try validateDatabaseOptions() }

  /// The database, which must exist.
  func existing() throws -> Store {
    guard FileManager.default.fileExists(atPath: db) else { throw MissingDatabase(path: db) }
    return try Store(path: db, busyTimeoutMs: busyTimeout)
  }
}

/// What both kinds of database options check.
protocol DatabaseOptions {
  var db: String { get }
  var busyTimeout: Int32 { get }
}

extension DatabaseOptions {
  func validateDatabaseOptions() throws {
    guard !db.isEmpty else { throw ValidationError("--db needs a file path") }
    guard busyTimeout >= 0 else { throw ValidationError("--busy-timeout must not be negative") }
  }
}

/// `--db` names no file, for a command that only reads.
struct MissingDatabase: Error, CustomStringConvertible {
  var path: String
  var description: String {
    "no database at \(path): check --db (vigil ingest, check and serve create it; this command only reads)"
  }
}
