import Foundation
import Testing
import VigilTestSupport

/// A command that only reads never creates a database: a typo in --db in a cron job is an error
/// (exit 2), not an empty report of "all quiet" every day.
@Suite struct ReadOnlyCommandTests {
  @Test(arguments: [
    ["report"], ["summary"], ["rejects"], ["outbox"], ["outbox", "show", "1"], ["silence", "list"],
    ["silence", "expire", "abc123"], ["outbox", "retry", "--all"], ["prune"],
  ])
  func aMissingDatabaseIsAnErrorAndIsNotCreated(_ command: [String]) async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("typo.db")
    let (status, out, err) = try await VigilProcess.run(command + ["--db", db])
    #expect(status == 2, "\(out)\(err)")
    #expect(err.contains("no database at \(db): check --db"), "\(err)")
    #expect(!FileManager.default.fileExists(atPath: db))
  }

  @Test func commandsThatWriteStillCreateIt() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("new.db")
    let (status, _, err) = try await VigilProcess.run([
      "silence", "add", "provider=openai", "--duration", "1h", "--db", db,
    ])
    #expect(status == 0, "\(err)")
    #expect(FileManager.default.fileExists(atPath: db))
    let (listed, out, _) = try await VigilProcess.run(["silence", "list", "--db", db])
    #expect(listed == 0)
    #expect(out.contains("openai"), "\(out)")
  }
}
