/// A parsed alerts.yaml.
package struct RuleSet: Sendable, Equatable {
  package var evaluationIntervalMs = VigilDefaults.evaluationIntervalMs
  /// Evaluate the window ending this long before "now", for lines that arrive late.
  package var evaluationDelayMs: Int64 = 0
  package var rules: [AlertRule] = []
  /// Which alerts leave which others out of messages (Alertmanager's `inhibit_rules`).
  package var inhibitRules: [InhibitRule] = []
  /// Receivers declared, `stdout` (which always exists) first.
  package var receivers: [Receiver] = [.stdout]
  /// Retries of failed deliveries.
  package var delivery = DeliveryPolicy()
  /// Where people reach this Vigil (links in messages, `externalURL` of Alertmanager payloads).
  package var externalURL = "http://\(VigilDefaults.httpListen)"
  /// Whether the file set `external_url`; if not, `serve` links to where it actually listens.
  package var externalURLGiven = false

  /// What loading found worth saying without refusing the file (a burn rate capped, say).
  package var warnings: [String] = []

  package init(rules: [AlertRule] = []) { self.rules = rules }

  /// The longest window of any rule: how much data an evaluation needs.
  package var longestWindowMs: Int64 { rules.map(\.windowMs).max() ?? 0 }

  /// The rules by name (the first of a name, should two share one).
  package var rulesByName: [String: AlertRule] {
    Dictionary(rules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// The receiver with this name.
  package func receiver(named name: String) -> Receiver? { receivers.first { $0.name == name } }
}
