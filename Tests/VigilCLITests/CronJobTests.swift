import Foundation
import Testing
import VigilTestPeers
import VigilTestSupport

/// The README's cron job, run as cron runs it: its line from the README, by /bin/sh, as an
/// unprivileged user whose group may read the secrets file (0640, root and the group), with the
/// paths moved into a temporary folder. Before `--env-file` the line sourced a root-only file and
/// never started `vigil check`; its error went nowhere.
@Suite(.serialized) struct CronJobTests {
  /// The command of the README's `/etc/cron.d/vigil` line (after the schedule and the user).
  static func readmeCronCommand() throws -> String {
    let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
    let jobs = try ReadmeInstall.CronFile(try ReadmeInstall.block("cron", in: readme)).jobs
    try #require(jobs.count == 1 && jobs[0].user == "vigil", "one cron job in the README, as vigil: \(jobs)")
    return jobs[0].command
  }

  /// The mode the README's install steps give secrets.env (`install -m MODE -o root -g vigil ...`).
  static func readmeSecretsMode() throws -> mode_t {
    let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
    let line = try #require(
      readme.split(separator: "\n").first {
        $0.hasPrefix("install -m ") && $0.contains("/etc/vigil/secrets.env")
      })
    let words = line.split(separator: " ")
    #expect(
      words.contains("-g") && words[words.firstIndex(of: "-g")! + 1] == "vigil", "the job's group reads it")
    return try #require(mode_t(words[2], radix: 8))
  }

  /// Runs `command` with /bin/sh as `nobody` (group `nogroup`, no other group): cron's way.
  static func runAsUnprivileged(_ command: String) throws -> (Int32, String) {
    try ToolRun.capture(
      try RequiredTool.path("/usr/bin/setpriv", package: "util-linux"),
      ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "/bin/sh", "-c", command])
  }

  @Test func theReadmeCronLineRunsAsAnUnprivilegedUserAndReachesTheReceiver() async throws {
    let dir = TemporaryDirectory()
    chmod(dir.path, 0o755)
    let (etc, state, logs) = (dir.file("etc"), dir.file("state"), dir.file("log"))
    for d in [etc, state, logs] {
      try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    }
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    NotifyCommandTests.writeRules(etc + "/alerts.yaml")
    Self.writeRecentIncident(dir.file("llm-calls.jsonl"))
    // The secrets file as the install steps make it: root's, readable by the job's group only.
    LogFile.write(etc + "/secrets.env", "# receivers\nHOOK_URL=\(server.url())\n")
    #expect(chown(etc + "/secrets.env", 0, Self.gid("nogroup")) == 0)
    let mode = try Self.readmeSecretsMode()
    #expect(mode & 0o007 == 0, "no one else reads the secrets")
    chmod(etc + "/secrets.env", mode)
    // The state and log folders belong to the job's user, as /var/lib/vigil and /var/log/vigil do.
    for d in [state, logs] { #expect(chown(d, Self.uid("nobody"), Self.gid("nogroup")) == 0) }
    chmod(dir.file("llm-calls.jsonl"), 0o644)
    chmod(etc + "/alerts.yaml", 0o644)

    let command = try Self.readmeCronCommand()
      .replacingOccurrences(of: "/usr/local/bin/vigil", with: VigilProcess.executable)
      .replacingOccurrences(of: "/etc/vigil", with: etc)
      .replacingOccurrences(of: "/var/lib/vigil", with: state)
      .replacingOccurrences(of: "/var/log/vigil", with: logs)
      .replacingOccurrences(of: "/var/log/myapp", with: dir.path)
    #expect(command.contains(VigilProcess.executable) && !command.contains("/etc/vigil"), "\(command)")
    let (status, output) = try Self.runAsUnprivileged(command)
    let log = try String(contentsOfFile: logs + "/check.log", encoding: .utf8)
    #expect(status == 1, "the alert fires: \(output) \(log)")
    #expect(output.isEmpty, "everything went to the log: \(output)")
    #expect(log.contains("ServerErrors") && log.contains("firing"), "\(log)")
    // The secret was read: the receiver got the page.
    #expect(server.requests.count == 1, "\(log)")
    #expect(server.requests.first?.json["status"] as? String == "firing")
    #expect(!log.contains("is not set"), "\(log)")

    // A secrets file the job may not read: the error is in the log, with the file, not lost.
    chmod(etc + "/secrets.env", 0o600)
    let (again, quiet) = try Self.runAsUnprivileged(command)
    #expect(again == 2 && quiet.isEmpty, "\(quiet)")
    let after = try String(contentsOfFile: logs + "/check.log", encoding: .utf8)
    #expect(
      after.contains("vigil: \(etc)/secrets.env: cannot read the file: Permission denied"), "\(after)")
    #expect(!after.contains(server.url()), "the secret never reaches the log")
  }

  /// The last 20 minutes, every 2 s, up to now: openai answers 500 to every other call in the last
  /// ten (cron runs `check` at the wall clock's time).
  static func writeRecentIncident(_ path: String) {
    let now = Int(Date().timeIntervalSince1970)
    var text = ""
    for s in stride(from: now - 1200, to: now, by: 2) {
      let failing = s >= now - 600 && (s - now) % 4 == 0
      text +=
        #"{"ts":\#(s),"status":\#(failing ? 500 : 200),"provider":"openai","model":"m","request_id":"r\#(s)"}"#
        + "\n"
    }
    LogFile.write(path, text)
  }

  static func uid(_ name: String) -> uid_t { getpwnam(name)!.pointee.pw_uid }
  static func gid(_ name: String) -> gid_t { getgrnam(name)!.pointee.gr_gid }
}
