import Foundation
import Testing
import VigilTestSupport

/// The command line's habits (issue 24): one exit status for usage errors that code, help and
/// README agree on; a `--version` that names the build; `serve --help` that wraps; a `silence
/// list` whose header sits over its columns.
@Suite struct CLIHabitsTests {
  static let usageSentence = "64 for a usage error"

  @Test func aUsageErrorExits64AsHelpAndTheREADMESay() async throws {
    let (status, out, _) = try await VigilProcess.run(["--help"])
    #expect(status == 0 && out.contains(Self.usageSentence), "\(out)")
    let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
    #expect(readme.contains("`64` for a usage error"))
    for arguments in [
      ["check", "--bogus"], ["report", "--since", "soon"], ["rules", "check", "a", "b"], ["silence", "add"],
    ] {
      let (status, _, err) = try await VigilProcess.run(arguments)
      #expect(status == 64, "\(arguments): \(err)")
      #expect(err.contains("Usage: vigil") || err.contains("USAGE: vigil"), "\(arguments): \(err)")
    }
    // An unusable file is an error (2), not a usage error.
    let dir = TemporaryDirectory()
    let (code, _, err) = try await VigilProcess.run([
      "check", "--db", dir.file("v.db"), "--rules", dir.file("none"),
    ])
    #expect(code == 2 && err.contains("no rules file at"), "\(err)")
  }

  @Test func versionNamesTheBuild() async throws {
    let (status, out, err) = try await VigilProcess.run(["--version"])
    #expect(status == 0, "\(err)")
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines.count == 4, "\(out)")
    let head = try #require(lines.first)
    #expect(head.hasPrefix("vigil, version 0.2.0 (revision: ") && head.hasSuffix(")"), "\(head)")
    let commit = head.dropFirst("vigil, version 0.2.0 (revision: ".count).dropLast()
    #expect(commit == "unknown" || (commit.count == 40 && commit.allSatisfy(\.isHexDigit)), "\(commit)")
    #expect(
      lines.dropFirst().map { $0.split(separator: ":")[0].trimmingCharacters(in: .whitespaces) } == [
        "build date", "swift version", "platform",
      ])
    let date = lines[1].split(separator: " ").last.map(String.init) ?? ""
    #expect(date.count == 19 && date.dropFirst(4).first == "-" && date.dropFirst(10).first == "T", "\(date)")
    #expect(lines[2].hasSuffix(" 6.2") || lines[2].hasSuffix(" 6.3") || lines[2].contains("or later"))
  }

  /// Package.swift finds the commit of a clean clone and of a `git archive` tarball, with no git
  /// at build time, and says "unknown" for a copy that has neither.
  @Test func theCommitIsFoundInACloneAndInATarball() async throws {
    let git = try RequiredTool.path("/usr/bin/git", package: "git")
    let swift = try Self.swift()
    func definedCommit(_ dir: String) async throws -> String {
      let (status, json) = try await ToolRun.capture(
        swift, ["package", "--package-path", dir, "dump-package"])
      #expect(status == 0, "\(json.prefix(400))")
      let marker = #"VIGIL_COMMIT=\""#
      guard let r = json.range(of: marker) else { return "" }
      return String(json[r.upperBound...].prefix { $0 != "\\" })
    }
    let root = FileManager.default.currentDirectoryPath
    let files = ["Package.swift", "scripts/commit", ".gitattributes"]
    // A tarball of the checkout's HEAD.
    let head = try await ToolRun.capture(git, ["-C", root, "rev-parse", "HEAD"]).1.trimmingCharacters(
      in: .whitespacesAndNewlines)
    let tarball = TemporaryDirectory()
    let (archived, _) = try await ToolRun.capture(
      "/bin/sh",
      ["-c", "git -C '\(root)' archive HEAD \(files.joined(separator: " ")) | tar -x -C '\(tarball.path)'"])
    #expect(archived == 0)
    #expect(!FileManager.default.fileExists(atPath: tarball.file(".git")))
    #expect(try await definedCommit(tarball.path) == head)
    // A copy with neither.
    let copy = TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: copy.file("scripts"), withIntermediateDirectories: true)
    for f in files { try FileManager.default.copyItem(atPath: root + "/" + f, toPath: copy.file(f)) }
    #expect(try await definedCommit(copy.path) == "unknown")
    // A clean clone of a repository of its own (a branch, then packed refs).
    let clone = TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: clone.file("scripts"), withIntermediateDirectories: true)
    for f in files.dropLast() {
      try FileManager.default.copyItem(atPath: root + "/" + f, toPath: clone.file(f))
    }
    for arguments in [
      ["init", "-q", "-b", "main"], ["add", "."],
      ["-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-q", "-m", "x"],
    ] {
      #expect(try await ToolRun.capture(git, ["-C", clone.path] + arguments).0 == 0)
    }
    let cloneHead = try await ToolRun.capture(git, ["-C", clone.path, "rev-parse", "HEAD"]).1
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try await definedCommit(clone.path) == cloneHead)
    #expect(try await ToolRun.capture(git, ["-C", clone.path, "pack-refs", "--all"]).0 == 0)
    #expect(try await definedCommit(clone.path) == cloneHead)
  }

  /// The toolchain's `swift`: on PATH, or beside the one this test was built with.
  static func swift() throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + [
      "/opt/swift/usr/bin"
    ] {
      if FileManager.default.isExecutableFile(atPath: "\(dir)/swift") { return "\(dir)/swift" }
    }
    return try RequiredTool.path("/usr/bin/swift", package: "the Swift toolchain")
  }

  @Test func serveHelpWrapsWithinEightyColumns() async throws {
    let (status, out, err) = try await VigilProcess.run(["serve", "--help"])
    #expect(status == 0, "\(err)")
    for line in out.split(separator: "\n") {
      #expect(line.count <= 80, "too long: \(line)")
      // Every option's help starts on its own line, not on the next one.
      #expect(!(line.hasPrefix("  --") && !line.contains("  ", after: 4)), "no help beside: \(line)")
    }
    #expect(out.contains("stops it gracefully: intake stops and commits"), "\(out)")
  }

  @Test func silenceListHeaderSitsOverItsColumns() async throws {
    let dir = TemporaryDirectory()
    let db = ["--db", dir.file("v.db")]
    for (matcher, comment) in [("provider=openai", "deploy"), ("alertname=~\"High.*\"", "a longer comment")] {
      let (status, _, err) = try await VigilProcess.run(
        ["silence", "add", matcher, "--duration", "2h", "--comment", comment, "--author", "ops"] + db)
      #expect(status == 0, "\(err)")
    }
    let (status, out, err) = try await VigilProcess.run(["silence", "list"] + db)
    #expect(status == 0, "\(err)")
    let lines = out.split(separator: "\n").map { Array($0) }
    #expect(lines.count == 3, "\(out)")
    let header = String(lines[0])
    for name in ["state", "matchers", "starts", "ends", "by", "comment"] {
      let at = try #require(header.range(of: " " + name)).lowerBound.utf16Offset(in: header) + 1
      for row in lines.dropFirst() {
        #expect(
          row.count > at && row[at - 1] == " " && row[at] != " ", "'\(name)' not over its column:\n\(out)")
      }
    }
  }
}

extension Substring {
  /// Whether two spaces occur at or after offset `start`.
  fileprivate func contains(_ text: String, after start: Int) -> Bool {
    dropFirst(start).contains(text)
  }
}
