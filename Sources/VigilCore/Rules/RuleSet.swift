/// A parsed alerts.yaml.
public struct RuleSet: Sendable, Equatable {
  public var evaluationIntervalMs = VigilDefaults.evaluationIntervalMs
  /// Evaluate the window ending this long before "now", for lines that arrive late.
  public var evaluationDelayMs: Int64 = 0
  public var rules: [AlertRule] = []
  /// Receivers declared, `stdout` (which always exists) first.
  public var receivers: [Receiver] = [.stdout]
  /// Retries of failed deliveries.
  public var delivery = DeliveryPolicy()
  /// Where people reach this Vigil (links in messages, `externalURL` of Alertmanager payloads).
  public var externalURL = "http://\(VigilDefaults.httpListen)"

  public init(rules: [AlertRule] = []) { self.rules = rules }

  /// The longest window of any rule: how much data an evaluation needs.
  public var longestWindowMs: Int64 { rules.map(\.windowMs).max() ?? 0 }

  /// The receiver with this name.
  public func receiver(named name: String) -> Receiver? { receivers.first { $0.name == name } }
}
