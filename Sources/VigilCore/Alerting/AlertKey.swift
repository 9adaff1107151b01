/// Identifies an alert: its rule and the values of the rule's `group_by` dimensions.
public struct AlertKey: Sendable, Hashable, Comparable {
  public var rule: String
  /// `provider=openai,model=gpt-4o`, in `group_by` order; empty without `group_by`.
  public var group: String

  public init(rule: String, group: String) {
    self.rule = rule
    self.group = group
  }

  public static func < (a: AlertKey, b: AlertKey) -> Bool { (a.rule, a.group) < (b.rule, b.group) }
}
