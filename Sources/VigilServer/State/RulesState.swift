import Synchronization
package import VigilCore

/// The rules in effect, replaced by each successful reload, and the reloads' outcomes.
package final class RulesState: Sendable {
  struct Current: Sendable {
    var rules: RuleSet
    /// Bumped by each successful reload: services rebuild what they derive from the rules.
    var generation = 0
    var lastReloadSucceeded = true
    /// When the configuration in effect was loaded (the start counts).
    var lastReloadSuccessMs: Int64
    var reloads: [Bool: Int64] = [:]
  }

  let current: Mutex<Current>

  init(rules: RuleSet, startedMs: Int64) {
    current = Mutex(Current(rules: rules, lastReloadSuccessMs: startedMs))
  }

  var snapshot: Current { current.withLock { $0 } }

  /// The rules in effect now.
  package var rules: RuleSet { current.withLock { $0.rules } }

  /// The rules and their generation.
  var rulesAndGeneration: (RuleSet, Int) { current.withLock { ($0.rules, $0.generation) } }

  /// A reload: its rules in effect from now (`nil` when it failed and the old ones stay).
  /// Returns whether the rules changed.
  @discardableResult
  func reloaded(_ rules: RuleSet?) -> Bool {
    current.withLock { c in
      c.reloads[rules != nil, default: 0] += 1
      c.lastReloadSucceeded = rules != nil
      guard let rules else { return false }
      c.rules = rules
      c.generation += 1
      c.lastReloadSuccessMs = WallClock.nowMs()
      return true
    }
  }

  /// Puts `rules` in effect without counting a reload (tests).
  package func set(_ rules: RuleSet) {
    current.withLock {
      $0.rules = rules
      $0.generation += 1
    }
  }
}
