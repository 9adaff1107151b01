import VigilCore
import Yams

/// alerts.yaml's `slos`: each SLO becomes two multi-window burn-rate alerts, `<name>Page` and
/// `<name>Ticket`, over logical requests (retries that succeed are good; a request whose last
/// attempt failed on the provider's side, server, network or capacity, is bad).
extension YAMLReader {
  static let sloKeys = [
    "name", "objective", "period", "group_by", "filters", "min_total", "min_bad", "labels", "no_data", "page",
    "ticket", "ttft",
  ]
  static let sloAlertKeys = ["severity", "receivers", "summary", "description"]

  mutating func parseSLOs(_ node: Node, _ d: Defaults, receivers: [String], warnings: inout [String])
    -> [AlertRule]
  {
    guard let list = node.sequence else {
      fail(node, "'slos' must be a list of SLOs, each with a name and an objective")
      return []
    }
    var out: [AlertRule] = []
    for item in list {
      let e = entries(item, known: Self.sloKeys, what: "an SLO")
      guard let nameNode = e["name"], let name = string(nameNode), !name.isEmpty else {
        fail(item, "an SLO needs a name: 'name: ProviderAvailability'")
        continue
      }
      guard let objectiveNode = e["objective"], let objective = objective(objectiveNode, slo: name) else {
        if e["objective"] == nil { fail(item, "SLO '\(name)' needs an objective, such as 99.9%") }
        continue
      }
      let periodMs = e["period"].flatMap { duration($0, positive: true) } ?? 30 * 86_400_000
      var base = AlertRule(name: name, metric: .burnRate, threshold: 0, windowMs: 0)
      base.comparison = .greaterOrEqual
      base.groupBy = e["group_by"].map { dimensions($0) } ?? d.groupBy
      base.noData = e["no_data"].flatMap { noDataPolicy($0) } ?? d.noData
      base.receivers = d.receivers
      if let n = e["filters"] {
        let f = entries(n, known: Dimension.allCases.map(\.rawValue), what: "filters")
        for (key, value) in f {
          let values = value.sequence != nil ? strings(value) : string(value).map { [$0] } ?? []
          base.filters[Dimension(rawValue: key)!] = values
        }
      }
      if let n = e["labels"], let mapping = n.mapping {
        for (k, v) in mapping {
          if let key = k.string, let value = v.string, isLabelName(key) { base.labels[key] = value }
        }
      }
      // Both alerts of an SLO say which SLO they are, for routing and for inhibiting the ticket
      // while the page fires.
      if base.labels["slo"] == nil { base.labels["slo"] = name }
      // `ttft: 2s`: a time-to-first-token SLO (good = the first chunk within 2 s).
      let ttftMs = e["ttft"].flatMap { duration($0, positive: true) }.map(Double.init)
      let minTotal = e["min_total"].flatMap { count($0) } ?? 50
      let minBad = e["min_bad"].flatMap { count($0) } ?? 5
      for (kind, page) in [("Page", true), ("Ticket", false)] {
        var rule = base
        rule.name = name + kind
        rule.severity = page ? "critical" : "warning"
        var pairs = BurnRate.workbookPairs(periodMs: periodMs, page: page)
        var burn = BurnRate(
          slo: name, objective: objective, periodMs: periodMs, pairs: [], minTotal: minTotal, minBad: minBad)
        // An objective looser than the factor allows can never burn that fast: cap it, and say so.
        for i in pairs.indices where pairs[i].factor > burn.maxBurn {
          warnings.append(
            "\(file): SLO '\(name)': an objective of \(formatPlain(objective * 100))% cannot burn faster than \(formatFixed(burn.maxBurn, digits: 2))x (every request failing); the \(kind.lowercased())'s \(formatPlain(pairs[i].factor))x is capped at that"
          )
          pairs[i].factor = burn.maxBurn
        }
        burn.pairs = pairs
        burn.ttftThresholdMs = ttftMs
        rule.burn = burn
        rule.threshold = pairs.map(\.factor).min() ?? 0
        rule.windowMs = burn.windows.max() ?? 0
        rule.summary =
          "{{ slo }}\(base.groupBy.isEmpty ? "" : " for " + base.groupBy.map { "{{ labels.\($0.rawValue) }}" }.joined(separator: "/")): error budget burning {{ value }} the allowed rate (objective {{ objective }}), failures: {{ causes }}; budget left: {{ budget_left }}; at this rate exhausted in: {{ time_to_exhaustion }}"
        rule.description = "{{ advice }}"
        if let ttftMs {
          rule.summary =
            "{{ slo }}\(base.groupBy.isEmpty ? "" : " for " + base.groupBy.map { "{{ labels.\($0.rawValue) }}" }.joined(separator: "/")): first tokens slower than \(DurationText.format(Int64(ttftMs))) burning the budget {{ value }} the allowed rate (objective {{ objective }}); budget left: {{ budget_left }}; at this rate exhausted in: {{ time_to_exhaustion }}"
          rule.description =
            "Streams take longer than \(DurationText.format(Int64(ttftMs))) to their first token: what users of a streamed answer wait for. Check the provider's status and the prompt sizes."
        }
        if let n = e[page ? "page" : "ticket"] {
          let a = entries(n, known: Self.sloAlertKeys, what: "an SLO's \(kind.lowercased())")
          if let s = a["severity"].flatMap({ string($0) }) { rule.severity = s }
          if let r = a["receivers"] { rule.receivers = strings(r) }
          if let s = a["summary"].flatMap({ string($0) }) { rule.summary = s }
          if let s = a["description"].flatMap({ string($0) }) { rule.description = s }
        }
        for receiver in rule.receivers where !receivers.contains(receiver) {
          fail(e[page ? "page" : "ticket"] ?? item, "SLO '\(name)': receiver '\(receiver)' is not declared")
        }
        out.append(rule)
      }
    }
    return out
  }

  /// `99.9%` or `0.999`: above 0 and below 100%.
  mutating func objective(_ node: Node, slo: String) -> Double? {
    guard let text = node.scalar?.string.trimmingCharacters(" ") else {
      fail(node, "SLO '\(slo)': the objective must be a percentage such as 99.9%")
      return nil
    }
    let value =
      text.hasSuffix("%")
      ? Double(text.dropLast().trimmingCharacters(" ")).map { ($0 / 100 * 1e12).rounded() / 1e12 }
      : Double(text)
    guard let value, value > 0, value < 1 else {
      fail(node, "SLO '\(slo)': objective '\(text)' must be above 0% and below 100%, such as 99.9%")
      return nil
    }
    return value
  }
}
