package import VigilCore

/// A file of rule tests (`vigil rules test`) as read: traffic segments, the alerts expected to be
/// firing at given instants, and the messages each receiver is expected to get. The runner that
/// evaluates them lives with the alert engine (VigilAlerting's ``RuleTestRunner``).
package enum RuleTest {
  /// The most calls one traffic segment makes.
  package static let maxCallsPerSegment = 10_000_000

  package struct Segment {
    package var series: SeriesKey
    package var fromMs: Int64
    package var toMs: Int64
    package var perSecond: Double
    package var statuses: [(Int, Double)]
    package var latencies: [(Double, Double)]
    /// The share of calls marked `retries_exhausted`, falling on retryable failures only.
    package var exhausted: Double
    package var errorCode: String?
    /// The log source the calls come from (for `source_time_since_last_call`).
    package var source: String?
    /// The callers retry up to this many attempts: each call is a first attempt, and a failed one
    /// is final (bad for an SLO) only where `exhausted` marks it; the others' retries come (they
    /// are not described, so they add no attempt). Unset: every call is its own request, final
    /// whatever its status.
    package var maxAttempts: Int?
    /// Streamed calls: how their streams end, in shares (none: the calls do not stream), the
    /// in-band error type of those that end `error_event`, and their times to first token.
    package var streamOutcomes: [(StreamOutcome, Double)] = []
    package var streamErrorType: String?
    package var ttfts: [(Double, Double)] = []
  }

  /// A message a receiver is expected to get: its status, the names of its alerts (sorted), and
  /// optionally when.
  package struct ExpectedMessage: Equatable {
    package var atMs: Int64?
    package var status: String
    package var alerts: [String]
    package var line: Int

    package init(atMs: Int64?, status: String, alerts: [String], line: Int) {
      self.atMs = atMs
      self.status = status
      self.alerts = alerts
      self.line = line
    }
  }

  package struct Expectation {
    package var atMs: Int64
    package var firing: [(String, [String: String])]
    package var line: Int
  }

  package struct Case {
    package var name: String
    package var startMs: Int64
    package var segments: [Segment] = []
    package var expectations: [Expectation] = []
    /// Per receiver, every message expected over the case (through ``horizonMs``).
    package var messages: [String: [ExpectedMessage]] = [:]

    /// How far a case is evaluated (from its start): through the end of its traffic, or its last
    /// expectation or expected message if later. A `messages:` list is every message sent until
    /// then, so one sent after the last `expect` fails the case instead of passing unseen. Not
    /// beyond the traffic: past its end, calls would look stopped, which the case does not say.
    package var horizonMs: Int64 {
      let times =
        expectations.map(\.atMs) + segments.map(\.toMs) + messages.values.flatMap { $0.compactMap(\.atMs) }
      return times.max() ?? 0
    }
  }

  /// Reads a rule-test file and the rule files it names (relative to it), merged into one set.
  package static func load(path: String) throws -> (rules: RuleSet, cases: [Case]) {
    let (ruleFiles, cases) = try YAMLReader.load(path: path) { $0.parseRuleTestFile($1) }
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) + "/" : ""
    var rules = RuleSet()
    for file in ruleFiles {
      let set = try RulesLoader.load(path: file.hasPrefix("/") ? file : directory + file)
      rules.rules += set.rules
      rules.evaluationIntervalMs = set.evaluationIntervalMs
      rules.evaluationDelayMs = set.evaluationDelayMs
      rules.receivers = set.receivers
      rules.inhibitRules += set.inhibitRules
    }
    return (rules, cases)
  }
}
