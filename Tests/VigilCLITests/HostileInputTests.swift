import Foundation
import Testing
import VigilStore
import VigilTestSupport

/// Input from outside (lines, flags, rule files) never crashes Vigil: each gets a clear error or
/// a reject, and the work goes on.
@Suite struct HostileInputTests {
  @Test func tokenCountsThatWouldOverflowAreRejectedAndIngestionGoesOn() throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    // Two lines in one rollup bucket whose token sum overflows 64 bits, among good lines.
    let hostile =
      #"{"ts":1795613524,"status":200,"prompt_tokens":9000000000000000000,"completion_tokens":9000000000000000000}"#
    LogFile.write(
      dir.file("a.log"), LogFile.lines(0..<3) + hostile + "\n" + hostile + "\n" + LogFile.lines(3..<5))
    let (status, _, err) = try VigilProcess.run(["ingest", "--no-progress", "--db", db, dir.file("a.log")])
    #expect(status == 0, "\(err)")
    #expect(err.contains("7 lines: 5 stored, 2 rejected"))
    let (_, listing, _) = try VigilProcess.run(["rejects", "--db", db])
    #expect(listing.contains("field 'prompt_tokens': 9000000000000000000 is more tokens than any call uses"))
    // Run again: the checkpoint is past the rejected lines, nothing is read twice.
    let (again, _, err2) = try VigilProcess.run(["ingest", "--no-progress", "--db", db, dir.file("a.log")])
    #expect(again == 0 && err2.contains("0 lines"), "\(err2)")
  }

  @Test(arguments: [
    ["report", "--since", "999999999999w", "--db", "DB"],
    ["report", "--since", "99999999999d", "--db", "DB"],
    ["prune", "--raw", "999999999999w", "--db", "DB"],
    ["silence", "add", "provider=x", "--duration", "99999999999d", "--db", "DB"],
    ["backtest", "--step", "999999999999w", "x.log"],
    ["check", "--send-timeout", "999999999999w", "--db", "DB"],
  ])
  func durationsThatWouldOverflowAreRefusedWithAClearError(arguments: [String]) throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try VigilProcess.run(arguments.map { $0 == "DB" ? dir.file("v.db") : $0 })
    #expect(status != 0)
    #expect(err.contains("is longer than the longest duration accepted (36500d)"), "\(err)")
  }

  @Test(arguments: ["1e300", "inf", "nan", "-5", "99999999999999999999"])
  func timesThatCannotBeAreRefused(at: String) throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try VigilProcess.run(["check", "--at=\(at)", "--db", dir.file("v.db")])
    #expect(status != 0)
    #expect(err.contains("is not an RFC 3339 time or Unix seconds"), "\(err)")
  }

  @Test func aRuleWindowThatWouldOverflowIsRefusedWithItsPlace() throws {
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
    let (status, out, err) = try VigilProcess.run(["rules", "check", dir.file("bad.yaml")])
    #expect(status == 1)
    #expect((out + err).contains("bad.yaml:6:"), "\(out)\(err)")
    #expect((out + err).contains("'999999999999w' is longer than the longest duration accepted (36500d)"))
  }
}
