import Foundation
import Testing
import VigilTestSupport

/// Help that matches behaviour and reads as sentences: every command's `--help`.
@Suite struct HelpTextTests {
  static let commands: [[String]] = [
    ["ingest"], ["check"], ["backtest"], ["rules", "check"], ["rules", "test"], ["summary"], ["rejects"],
    ["prune"], ["outbox", "list"], ["outbox", "show"], ["outbox", "retry"], ["outbox", "flush"],
    ["silence", "add"], ["silence", "list"], ["silence", "expire"], ["notify", "test"], ["receivers"],
    ["serve"], ["config", "check"],
    ["report"], ["export", "prometheus-rules"], ["export", "alertmanager"],
  ]

  /// A paragraph written with hard line breaks is wrapped again by the parser, which leaves a
  /// short line ("backtests and") before the rest of its sentence: no line of help may end so.
  @Test func noHelpWrapsMidSentence() async throws {
    for command in Self.commands {
      let (status, out, err) = try await VigilProcess.run(command + ["--help"])
      #expect(status == 0, "\(command): \(err)")
      let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      for (line, next) in zip(lines, lines.dropFirst()) {
        let cut =
          line.count < 60 && !line.isEmpty && !line.hasPrefix(" ") && !line.hasSuffix(".")
          && !line.hasSuffix(":")
          && next.first.map { $0.isLowercase } == true
        #expect(
          !cut, "\(command.joined(separator: " ")) --help wraps mid-sentence: \"\(line)\" / \"\(next)\"")
      }
    }
  }

  /// Only the commands that create a missing database say so; the others say it must exist, and
  /// refuse a missing one as they say.
  @Test func theDatabaseHelpSaysWhetherItIsCreated() async throws {
    let dir = TemporaryDirectory()
    for command in [
      ["prune"], ["rejects"], ["summary"], ["report"], ["outbox", "list"], ["silence", "list"],
    ] {
      let (_, help, _) = try await VigilProcess.run(command + ["--help"])
      #expect(!help.contains("created if missing") && help.contains("it must exist"), "\(command): \(help)")
      let (status, _, err) = try await VigilProcess.run(command + ["--db", dir.file("none.db")])
      #expect(status == 2 && err.contains("no database at \(dir.file("none.db"))"), "\(command): \(err)")
      #expect(!FileManager.default.fileExists(atPath: dir.file("none.db")))
    }
    for command in [["ingest"], ["check"], ["silence", "add"]] {
      let (_, help, _) = try await VigilProcess.run(command + ["--help"])
      #expect(help.contains("(created if missing)"), "\(command): \(help)")
    }
  }
}
