import ArgumentParser
import VigilCore
import VigilStore

struct Rejects: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List lines that were rejected, with their source, position and reason.")

  @OptionGroup var store: ExistingStoreOptions

  @Option(name: .long, help: "How many to list, newest first.")
  var limit = 50

  func run() throws {
    do {
      let database = try store.existing()
      let rejects = try database.rejects(limit: limit)
      let total = try database.rejectCount()
      for r in rejects {
        let position = r.lineNumber.map { "line \($0), " } ?? ""
        print(TerminalText.escape("\(r.source): \(position)byte \(r.offset): \(r.reason)"))
        print("    " + TerminalText.escape(String(r.line.prefix(200))))
      }
      print("\(total) rejects stored\(total > rejects.count ? " (newest \(rejects.count) shown)" : "")")
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
  }
}
