/// Identifies an alert: its rule and the values of the rule's `group_by` dimensions.
package struct AlertKey: Sendable, Hashable, Comparable {
  package var rule: String
  /// `provider=openai,model=gpt-4o`, in `group_by` order; empty without `group_by`.
  package var group: String

  package init(rule: String, group: String) {
    self.rule = rule
    self.group = group
  }

  package static func < (a: AlertKey, b: AlertKey) -> Bool { (a.rule, a.group) < (b.rule, b.group) }
}
