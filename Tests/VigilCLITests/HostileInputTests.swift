import Foundation
import Testing
import VigilStore
import VigilTestSupport

/// Input from outside (lines, flags, rule files) never crashes Vigil: each gets a clear error or
/// a reject, and the work goes on.
@Suite struct HostileInputTests {
  @Test func tokenCountsThatWouldOverflowAreRejectedAndIngestionGoesOn() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    // Two lines in one rollup bucket whose token sum overflows 64 bits, among good lines.
    let hostile =
      #"{"ts":1795613524,"status":200,"prompt_tokens":9000000000000000000,"completion_tokens":9000000000000000000}"#
    LogFile.write(
      dir.file("a.log"), LogFile.lines(0..<3) + hostile + "\n" + hostile + "\n" + LogFile.lines(3..<5))
    let (status, out, err) = try await VigilProcess.run([
      "ingest", "--no-progress", "--db", db, dir.file("a.log"),
    ])
    #expect(status == 0, "\(err)")
    #expect(out.hasPrefix("7 lines: 5 stored, 2 rejected"), "a success note, on stdout: \(out)")
    let (_, listing, _) = try await VigilProcess.run(["rejects", "--db", db])
    #expect(listing.contains("field 'prompt_tokens': 9000000000000000000 is more tokens than any call uses"))
    // Run again: the checkpoint is past the rejected lines, nothing is read twice.
    let (again, out2, err2) = try await VigilProcess.run([
      "ingest", "--no-progress", "--db", db, dir.file("a.log"),
    ])
    #expect(again == 0 && out2.contains("0 lines: 0 stored"), "\(out2) \(err2)")
  }

  @Test(arguments: [
    ["report", "--since", "999999999999w", "--db", "DB"],
    ["report", "--since", "99999999999d", "--db", "DB"],
    ["prune", "--raw", "999999999999w", "--db", "DB"],
    ["silence", "add", "provider=x", "--duration", "99999999999d", "--db", "DB"],
    ["backtest", "--step", "999999999999w", "x.log"],
    ["check", "--send-timeout", "999999999999w", "--db", "DB"],
  ])
  func durationsThatWouldOverflowAreRefusedWithAClearError(arguments: [String]) async throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try await VigilProcess.run(arguments.map { $0 == "DB" ? dir.file("v.db") : $0 })
    #expect(status != 0)
    #expect(err.contains("is longer than the longest duration accepted (36500d)"), "\(err)")
  }

  @Test(arguments: ["1e300", "inf", "nan", "-5", "99999999999999999999"])
  func timesThatCannotBeAreRefused(at: String) async throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try await VigilProcess.run(["check", "--at=\(at)", "--db", dir.file("v.db")])
    #expect(status != 0)
    #expect(err.contains("is not an RFC 3339 time or Unix seconds"), "\(err)")
  }

  @Test func rejectedLinesAndAlertsAreShownOnOneLineWithoutTerminalEscapes() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let forged = "{\"ts\":1795613524,\"status\":\"x\u{1B}[2J\",\"note\":\"\u{1B}]0;pwned\u{7}\"}"
    LogFile.write(dir.file("a.log"), forged + "\n")
    _ = try await VigilProcess.run(["ingest", "--no-progress", "--db", db, dir.file("a.log")])
    let (status, listing, _) = try await VigilProcess.run(["rejects", "--db", db])
    #expect(status == 0)
    #expect(!listing.contains("\u{1B}") && !listing.contains("\u{7}"), "\(listing)")
    #expect(listing.contains("\\u001b[2J"))
    // A model name with a newline and an escape, alerting through the stdout receiver.
    var lines = ""
    for i in 0..<60 {
      lines +=
        #"{"ts":\#(1_795_613_524 + i),"status":500,"provider":"openai","model":"m\n2026-01-01T00:00:00Z RESOLVED X\u001b[31m"}"#
        + "\n"
    }
    LogFile.write(dir.file("b.log"), lines)
    LogFile.write(
      dir.file("r.yaml"),
      "version: 1\nrules:\n  - {alert: E, metric: error_rate, threshold: 5%, min_requests: 1, group_by: [model]}\n"
    )
    let (fired, out, err) = try await VigilProcess.run([
      "check", "--db", dir.file("c.db"), "--rules", dir.file("r.yaml"), "--at", "2026-11-25T13:33:30Z",
      dir.file("b.log"),
    ])
    #expect(fired == 1, "\(err)")
    let firing = out.split(separator: "\n").filter { $0.contains("FIRING") }
    #expect(firing.count == 1, "\(out)")
    #expect(firing.first?.contains("model=m\\n2026-01-01T00:00:00Z RESOLVED X\\u001b[31m") == true, "\(out)")
    #expect(!out.contains("\u{1B}"))
  }

  /// A remaining count near 9e15 that falls by one every two seconds runs out in some 570
  /// million years, more milliseconds than Int64 holds: `check` trapped formatting it, on every
  /// run while those lines were in the window. The forecast is shown in weeks, in the status table
  /// (the shipped rules) and in the message of a rule that fires on it.
  @Test func aForecastOfMillionsOfYearsIsShownAndCheckGoesOn() async throws {
    let dir = TemporaryDirectory()
    var lines = ""
    for k in 0..<25 {
      lines +=
        #"{"ts":\#(1_795_613_312 + k * 12),"status":200,"provider":"openai","model":"m","ratelimit_remaining_requests":\#(9_000_000_000_000_000 - k * 6),"ratelimit_limit_requests":10000000000000000,"ratelimit_reset_requests":"1m"}"#
        + "\n"
    }
    LogFile.write(dir.file("a.log"), lines)
    LogFile.write(
      dir.file("r.yaml"),
      """
      version: 1
      rules:
        - {alert: Far, metric: ratelimit_time_to_exhaustion, op: ">", threshold: 1h, window: 5m, group_by: [model], summary: "runs out in {{ value }}"}

      """)
    for rules in [dir.file("r.yaml"), "alerts.yaml"] {
      let (status, out, err) = try await VigilProcess.run([
        "check", "--db", dir.file("\(rules.count).db"), "--rules", rules, "--at", "2026-11-25T13:33:30Z",
        dir.file("a.log"),
      ])
      #expect(rules == "alerts.yaml" ? status == 0 || status == 1 : status == 1, "\(err)")
      let shown = out.split(separator: "\n").filter {
        $0.contains("RateLimitHeadroom") || $0.contains("Far ") || $0.contains("runs out in")
      }
      #expect(!shown.isEmpty, "\(out)")
      #expect(shown.allSatisfy { $0.contains(#/ \d{10,}w/#) }, "\(out)")
      if rules != "alerts.yaml" { #expect(out.contains("FIRING Far{model=m}"), "\(out)") }
    }
  }

  @Test(arguments: ["/dev/zero", "/proc/self/environ", "/tmp", "/nonexistent.yaml"])
  func anIncludeThatIsNoConfigurationFileIsRefusedWithoutItsContent(path: String) async throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("r.yaml"), "version: 1\ninclude: [\(path)]\nrules: []\n")
    let (status, out, err) = try await VigilProcess.run(
      ["rules", "check", dir.file("r.yaml")], environment: ["VIGIL_TEST_SECRET": "hooks.example/s3cr3t"])
    #expect(status == 1)
    #expect(err.contains("r.yaml:2:10: included file '\(path)': "), "\(err)")
    #expect(!(out + err).contains("s3cr3t"))
  }

  /// A regular text file that is no configuration: /etc/shadow reads as a YAML mapping of its
  /// lines, a credentials file as one of names to secrets, another has a key twice. Each is
  /// refused saying what is wrong and where, never quoting what the file holds.
  @Test(arguments: [
    "root:*:20228:0:99999:7:::\nalice:$y$j9T$s3cr3tHash:20228:0:99999:7:::\n",
    "password: s3cr3t\napi_key: s3cr3t2\n", "s3cr3t: 1\ns3cr3t: 2\n", "- s3cr3t\n- {a: s3cr3t}\n",
    "s3cr3t\n", "rules: []\ns3cr3t: [\n",
  ])
  func anIncludedTextFileThatIsNoConfigurationIsRefusedWithoutQuotingIt(content: String) async throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("shadow"), content)
    LogFile.write(dir.file("r.yaml"), "version: 1\ninclude: [\(dir.file("shadow"))]\nrules: []\n")
    let (status, out, err) = try await VigilProcess.run(["rules", "check", dir.file("r.yaml")])
    #expect(status == 1)
    #expect(err.contains(dir.file("shadow") + ":"), "\(err)")
    #expect(!(out + err).contains("s3cr3t") && !(out + err).contains(":20228:"), "\(err)")
  }

  @Test func aRuleWindowThatWouldOverflowIsRefusedWithItsPlace() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(
      dir.file("bad.yaml"),
      """
      version: 1
      rules:
        - alert: X
          metric: error_rate
          threshold: 5%
          window: 999999999999w
      """)
    let (status, out, err) = try await VigilProcess.run(["rules", "check", dir.file("bad.yaml")])
    #expect(status == 1)
    #expect((out + err).contains("bad.yaml:6:"), "\(out)\(err)")
    #expect((out + err).contains("'999999999999w' is longer than the longest duration accepted (36500d)"))
  }
}
