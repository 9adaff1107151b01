/// Each series' group under a rule's `group_by` (``Evaluator/groupOf(_:_:)``), worked out once
/// per evaluation: the SLO rules ask it of every series in every window, period and causes
/// window, and each answer builds a dictionary and a string.
final class GroupMemo {
  private struct Key: Hashable {
    var dimensions: [Dimension]
    var series: SeriesKey
  }
  private var known: [Key: (String, [String: String])] = [:]

  func group(_ series: SeriesKey, _ rule: AlertRule) -> (String, [String: String]) {
    let key = Key(dimensions: rule.groupBy, series: series)
    if let hit = known[key] { return hit }
    let group = Evaluator.groupOf(series, rule)
    known[key] = group
    return group
  }
}
