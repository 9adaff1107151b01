package import VigilCore
import Yams

/// Reads an incidents file (`vigil backtest --incidents`): labelled incidents, the goals a
/// backtest's scorecard is held to, and which receivers page. Like alerts.yaml, it is refused as a
/// whole on any problem, each reported with its line and column.
package enum IncidentsLoader {
  package static func load(yaml: String, file: String) throws(ConfigErrors) -> IncidentsFile {
    try YAMLReader.load(yaml: yaml, file: file) { $0.parseIncidentsFile($1) }
  }

  package static func load(path: String) throws(ConfigErrors) -> IncidentsFile {
    try YAMLReader.load(path: path) { $0.parseIncidentsFile($1) }
  }
}

extension YAMLReader {
  static let incidentsFileKeys = ["incidents", "goals", "receivers", "grace"]
  static let incidentKeys = ["name", "kind", "start", "end", "duration", "matchers", "expect", "traffic"]
  static let goalKeys = [
    "recall", "precision", "time_to_detect", "time_to_reset", "messages_per_incident", "pages_per_12h",
    "false_pages_per_week", "incidents", "receivers",
  ]
  static let scopeKeys = ["kind", "min_duration", "min_traffic"]

  mutating func parseIncidentsFile(_ text: String) -> IncidentsFile? {
    guard let root = compose(text) else { return nil }
    let top = entries(root, known: Self.incidentsFileKeys, what: "an incidents file")
    var file = IncidentsFile()
    if let g = top["grace"], let ms = duration(g, positive: false) { file.graceMs = ms }
    if let r = top["receivers"] {
      if let mapping = r.mapping {
        for (k, v) in mapping {
          guard let name = k.string else { continue }
          guard let word = v.string, let kind = LabelledIncident.Expect(rawValue: word), kind != .none else {
            fail(v, "receiver '\(name)': expected 'page' or 'ticket'")
            continue
          }
          file.receiverKinds[name] = kind
        }
      } else {
        fail(r, "receivers must map receiver names to page or ticket: {stdout: page, tickets: ticket}")
      }
    }
    guard let list = top["incidents"]?.sequence else {
      fail(top["incidents"] ?? root, "an incidents file needs 'incidents:', a list of labelled incidents")
      return nil
    }
    var names: Set<String> = []
    for item in list {
      guard let incident = incident(item) else { continue }
      if !names.insert(incident.name).inserted {
        fail(item, "a second incident named '\(incident.name)': names must be unique")
      }
      file.incidents.append(incident)
    }
    if let g = top["goals"] {
      if g.mapping != nil {
        if let goal = goals(g) { file.goals.append(goal) }
      } else if let items = g.sequence {
        file.goals += items.compactMap { goals($0) }
      } else {
        fail(g, "goals must be a mapping (recall: 100%, precision: 95%, ...) or a list of them")
      }
    }
    return file
  }

  mutating func incident(_ node: Node) -> LabelledIncident? {
    let e = entries(node, known: Self.incidentKeys, what: "an incident")
    guard !e.isEmpty else { return nil }
    guard let name = e["name"].flatMap({ string($0) }), !name.isEmpty else {
      fail(e["name"] ?? node, "an incident needs 'name'")
      return nil
    }
    func time(_ key: String) -> Int64? {
      guard let n = e[key] else { return nil }
      guard let ms = n.string.flatMap(Timestamp.parseRFC3339) else {
        fail(n, "incident '\(name)': \(key) must be an RFC 3339 time such as 2026-11-20T09:00:00Z")
        return nil
      }
      return ms
    }
    guard let start = time("start") else {
      if e["start"] == nil { fail(node, "incident '\(name)' needs 'start' (an RFC 3339 time)") }
      return nil
    }
    var end = time("end")
    if let d = e["duration"] {
      if end != nil { fail(d, "incident '\(name)': give 'end' or 'duration', not both") }
      if let ms = duration(d, positive: true) { end = start + ms }
    }
    guard let end else {
      if e["end"] == nil && e["duration"] == nil {
        fail(node, "incident '\(name)' needs 'end' or 'duration'")
      }
      return nil
    }
    guard end > start else {
      fail(e["end"] ?? node, "incident '\(name)': end must be after start")
      return nil
    }
    guard let m = e["matchers"] else {
      fail(node, "incident '\(name)' needs 'matchers', such as [provider=anthropic]")
      return nil
    }
    var matchers: [LabelMatcher] = []
    for (text, place) in zip(strings(m), m.sequence.map(Array.init) ?? [m]) {
      do { matchers.append(try LabelMatcher.parse(text)) } catch { fail(place, "matchers: \(error)") }
    }
    if matchers.isEmpty && m.sequence?.isEmpty == true {
      fail(m, "incident '\(name)': matchers needs at least one matcher")
    }
    let expectNode = e["expect"]
    guard let word = expectNode.flatMap({ $0.string }), let expect = LabelledIncident.Expect(rawValue: word)
    else {
      fail(expectNode ?? node, "incident '\(name)' needs 'expect: page', 'expect: ticket' or 'expect: none'")
      return nil
    }
    var rate: Double?
    if let t = e["traffic"] {
      rate = perSecond(t)
      if rate == nil { fail(t, "incident '\(name)': traffic must be a rate such as 5/s or 30/m") }
    }
    return LabelledIncident(
      name: name, kind: e["kind"].flatMap { string($0) } ?? "", startMs: start, endMs: end,
      matchers: matchers,
      expect: expect, perSecond: rate, line: node.mark?.line ?? 0)
  }

  mutating func goals(_ node: Node) -> ScoreGoals? {
    let e = entries(node, known: Self.goalKeys, what: "goals")
    var g = ScoreGoals()
    g.line = node.mark?.line ?? 0
    if let n = e["recall"] { g.recall = percentage(n) }
    if let n = e["precision"] { g.precision = percentage(n) }
    if let n = e["time_to_detect"] { g.timeToDetectMs = duration(n, positive: false) }
    if let n = e["time_to_reset"] { g.timeToResetMs = duration(n, positive: false) }
    if let n = e["messages_per_incident"] { g.messagesPerIncident = count(n).map(Int.init) }
    if let n = e["pages_per_12h"] { g.pagesPer12h = count(n).map(Int.init) }
    if let n = e["false_pages_per_week"] {
      if let v = n.float, v >= 0, v.isFinite {
        g.falsePagesPerWeek = v
      } else {
        fail(n, "expected a number of 0 or more")
      }
    }
    if let n = e["receivers"] { g.receivers = strings(n) }
    if let n = e["incidents"] {
      let s = entries(n, known: Self.scopeKeys, what: "a goal's incidents")
      if let k = s["kind"] { g.scope.kinds = strings(k) }
      if let d = s["min_duration"], let ms = duration(d, positive: false) { g.scope.minDurationMs = ms }
      if let t = s["min_traffic"] {
        if let r = perSecond(t) {
          g.scope.minPerSecond = r
        } else {
          fail(t, "min_traffic must be a rate such as 1/s")
        }
      }
    }
    return g
  }

  /// `100%`, `95.5%` or a share such as 0.95.
  mutating func percentage(_ node: Node) -> Double? {
    guard let text = node.string else {
      fail(node, "expected a percentage such as 95%")
      return nil
    }
    let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
    guard let value, value >= 0, value <= 1 else {
      fail(node, "'\(text)' is not a percentage from 0% to 100%")
      return nil
    }
    return value
  }
}
