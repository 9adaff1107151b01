package import VigilCore

/// Every rule of a rule set fired and resolved on real rollups, for the tests that render each
/// alert's text through every renderer (issue 24: no `-` hole, no empty variable). The data is an
/// outage that a real SLO pages and tickets on: 3.5 days of one request every 10 s, then 10
/// minutes of 10 failing requests a second of every kind (5xx, overload, 429 throttling and quota,
/// 401, failed streams, slow first tokens, rate-limit counts falling), then 7 hours at one healthy
/// request a second. SLO rules judge it as it is; every other rule is made to hold on any value
/// (`>= 0`) at the outage's end and to let go (a threshold no value reaches) 7 hours later, so
/// that each fires and resolves with the values its window really has.
package enum EveryRuleScenario {
  package static let provider = "anthropic"
  package static let model = "claude-x"
  package static let sourceName = "app.log"
  /// The outage's end: the first evaluation.
  package static let firingAtMs: Int64 = 1_795_600_800_000
  /// Seven hours later: the second, after which every alert has resolved.
  package static let resolvedAtMs: Int64 = firingAtMs + 7 * 3_600_000

  /// The rollups of the whole story.
  package static func rollups() -> InMemoryRollups {
    let rollups = InMemoryRollups()
    let outageMs: Int64 = 600_000
    let start = firingAtMs - outageMs - 84 * 3_600_000
    var t = start
    while t < firingAtMs - outageMs {
      rollups.add(healthy(at: t))
      t += 10_000
    }
    var k: Int64 = 0
    while t < firingAtMs {
      rollups.add(failing(at: t, k))
      t += 100
      k += 1
    }
    while t < resolvedAtMs {
      rollups.add(healthy(at: t))
      t += 1000
    }
    rollups.noteWrite(
      source: sourceName, calls: 1000, firstMs: firingAtMs - outageMs, lastMs: firingAtMs - 1000)
    rollups.noteWrite(
      source: sourceName, calls: 1000, firstMs: resolvedAtMs - 60_000, lastMs: resolvedAtMs - 1000)
    return rollups
  }

  static func healthy(at t: Int64) -> CallRecord {
    var c = CallRecord(
      timestampMs: t, status: 200, provider: provider, model: model, latencyMs: 800, promptTokens: 100,
      completionTokens: 50)
    c.stream = t % 20_000 == 0
    if c.stream == true {
      c.ttftMs = 300
      c.streamOutcome = .completed
    }
    return c
  }

  /// The `k`th call of the outage: every failure by turns, with rate-limit counts that fall.
  static func failing(at t: Int64, _ k: Int64) -> CallRecord {
    var c = CallRecord(
      timestampMs: t, status: 503, provider: provider, model: model, latencyMs: 40_000, maxAttempts: 3,
      promptTokens: 100)
    switch k % 6 {
    case 0: c.status = 500
    case 1:
      c.status = 429
      c.retryAfterS = 5
    case 2:
      c.status = 429
      c.errorCode = "insufficient_quota"
    case 3: c.status = 401
    case 4:
      c.status = 200
      c.stream = true
      c.ttftMs = 30_000
      c.streamOutcome = .errorEvent
      c.streamErrorType = "overloaded_error"
    default: c.retriesExhausted = true
    }
    c.attempt = k % 2 == 0 ? 1 : 3
    c.rateLimitRemainingRequests = max(0, 6000 - k)
    c.rateLimitLimitRequests = 6000
    c.rateLimitResetRequestsS = 60
    c.rateLimitRemainingTokens = max(0, 10_000_000 - k * 1000)
    c.rateLimitLimitTokens = 10_000_000
    c.rateLimitResetTokensS = 86_400
    return c
  }

  /// `set` with every rule but the SLOs' made to hold on any value (`holds`) or on none.
  package static func rules(_ set: RuleSet, holds: Bool) -> RuleSet {
    var out = set
    for i in out.rules.indices {
      out.rules[i].forMs = 0
      out.rules[i].keepFiringForMs = 0
      guard out.rules[i].burn == nil else { continue }
      out.rules[i].comparison = .greaterOrEqual
      out.rules[i].threshold = holds ? 0 : .greatestFiniteMagnitude
      out.rules[i].resolveThreshold = nil
      out.rules[i].minRequests = 1
    }
    return out
  }

  /// The two evaluations: at the outage's end (every rule fires) and 7 hours later (all resolve).
  package static func evaluations(_ set: RuleSet) throws -> (firing: Evaluation, resolved: Evaluation) {
    let data = rollups()
    let firing = try Evaluator.evaluate(
      rules(set, holds: true), source: data, atMs: firingAtMs, previous: [:])
    let resolved = try Evaluator.evaluate(
      rules(set, holds: false), source: data, atMs: resolvedAtMs, previous: firing.states)
    return (firing, resolved)
  }

  /// The holes in a rendered body: a value shown as a lone `-` (`value=-`, `failures: -;`, a
  /// JSON `"-"`, Slack's `*Value*\n-`).
  package static func holes(_ text: String) -> [String] {
    let chars = Array(text)
    var out: [String] = []
    let before: Set<Character> = [" ", ":", "=", "\"", ">", "(", "\n", "\t"]
    let after: Set<Character> = [" ", ";", ",", "\"", "<", ")", "\n", "\r", "\\", "."]
    for i in chars.indices where chars[i] == "-" {
      let prev: Character? = i > 0 ? chars[i - 1] : nil
      let escapedNewline = i > 1 && chars[i - 2] == "\\" && chars[i - 1] == "n"
      guard prev.map(before.contains) ?? true || escapedNewline else { continue }
      guard i + 1 == chars.count || after.contains(chars[i + 1]) else { continue }
      out.append(String(chars[max(0, i - 40)..<min(chars.count, i + 20)]))
    }
    return out
  }

  /// The marks of a variable that rendered empty in an alert's text (`: ;`, a doubled space,
  /// `()`, a text that ends in `: `), and its holes.
  package static func gaps(_ text: String) -> [String] {
    var out = holes(text)
    for mark in [": ;", ": ,", "  ", "()", "( )"] where text.contains(mark) {
      out.append("'\(mark)' in " + String(text.prefix(200)))
    }
    if text.hasSuffix(": ") || text.isEmpty { out.append("ends empty: " + String(text.suffix(80))) }
    return out
  }

  /// The template names of `rule`'s texts that have no value in `context` (none, empty or `-`).
  package static func emptyVariables(_ rule: AlertRule, _ context: TemplateContext) -> [String] {
    Template.references(rule.summary + " " + rule.description).filter {
      let v = context.lookup($0) ?? ""
      return v.isEmpty || v == "-"
    }
  }
}
