import Foundation
import Testing
import VigilTestSupport

@testable import VigilAlerting

/// `vigil rules test`: a `messages:` list is every message until the end of the case's traffic,
/// not only until its last `expect`.
@Suite struct RuleTestHorizonTests {
  static let rules = """
    version: 1
    rules:
      - {alert: Errors, metric: error_rate, threshold: 5%, window: 1m}
    """

  static func run(expectAt: String) throws -> RuleTestRunner.Outcome {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("alerts.yaml"), rules)
    LogFile.write(
      dir.file("t.yaml"),
      """
      rule_files: [alerts.yaml]
      tests:
        - name: errors from 12 minutes
          traffic:
            - {provider: openai, from: 0m, to: 20m, rate: 5/s}
            - {provider: openai, from: 12m, to: 20m, rate: 1/s, status: {500: 100%}}
          expect:
            - {at: \(expectAt), firing: []}
          messages: {stdout: []}
      """)
    return try RuleTestRunner.run(path: dir.file("t.yaml"))
  }

  @Test func aMessageAfterTheLastExpectFailsTheCase() throws {
    let early = try Self.run(expectAt: "5m")
    #expect(early.passedCases == 0 && early.failures.count == 1, "\(early.failures)")
    #expect(
      early.failures.first?.contains("receiver 'stdout' got 1 message(s): at 12m") == true,
      "\(early.failures)")
    // The same case with its expectation at 20m fails the same way (and on the expectation too).
    let late = try Self.run(expectAt: "20m")
    #expect(
      late.passedCases == 0 && late.failures.contains { $0.contains("receiver 'stdout' got 1 message") })
  }
}
