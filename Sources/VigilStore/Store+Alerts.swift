package import VigilCore

extension Store: RollupSource {
  /// One read transaction for all of an evaluation's reads: one snapshot, one lock.
  package func consistently<T>(_ body: () throws -> T) throws -> T {
    try connection.reading {
      // Reads inside answer from the mirror, once it knows what changed since it last looked.
      let outer = mirror.active
      if !outer { try syncMirror() }
      mirror.active = true
      defer { mirror.active = outer }
      return try body()
    }
  }
}

/// A recorded transition, as `vigil alerts` and the reports list them.
package struct StoredTransition: Sendable, Equatable {
  package var atMs: Int64
  package var rule: String
  package var group: String
  package var kind: String
  package var metric: String
  package var value: Double?
  package var threshold: Double
  package var labels: [String: String]
  package var summary: String
  package var description = ""
  /// For a resolve: when the alert had fired.
  package var firedAtMs: Int64?
}

extension Store {
  /// Every remembered alert state.
  package func alertStates() throws(StoreError) -> [AlertKey: AlertState] {
    let s = try connection.prepare(
      """
      SELECT rule, group_key, labels, phase, active_since_ms, fired_at_ms, resolving_since_ms, last_value,
        last_evaluation_ms, no_data_since_ms, released_at_ms FROM alert_states
      """)
    var out: [AlertKey: AlertState] = [:]
    while try s.step() {
      var state = AlertState()
      state.groupLabels = LabelText.decode(s.text(2) ?? "")
      state.phase = AlertPhase(rawValue: s.text(3) ?? "") ?? .inactive
      state.activeSinceMs = s.isNull(4) ? nil : s.int64(4)
      state.firedAtMs = s.isNull(5) ? nil : s.int64(5)
      state.resolvingSinceMs = s.isNull(6) ? nil : s.int64(6)
      state.lastValue = s.isNull(7) ? nil : s.double(7)
      state.lastEvaluationMs = s.int64(8)
      state.noDataSinceMs = s.isNull(9) ? nil : s.int64(9)
      state.releasedAtMs = s.isNull(10) ? nil : s.int64(10)
      out[AlertKey(rule: s.text(0) ?? "", group: s.text(1) ?? "")] = state
    }
    return out
  }

  /// Replaces the remembered states with `states` and appends `transitions`, in one transaction:
  /// a crash leaves either the old states or the new ones with their transitions. With
  /// `notify`, the router's groups are replaced and its messages queued in the same transaction,
  /// so that no announced transition is lost or sent twice across a crash.
  package func saveEvaluation(
    states: [AlertKey: AlertState], transitions: [AlertTransition], evaluatedAtMs: Int64? = nil,
    notify: (groups: [AlertGroup], messages: [OutboxMessage], nowMs: Int64)? = nil
  ) throws(StoreError) {
    try connection.transaction { () throws(StoreError) in
      if let notify {
        try replaceGroups(notify.groups)
        for m in notify.messages { try enqueue(m, nowMs: notify.nowMs) }
      }
      if let evaluatedAtMs {
        let meta = try connection.prepare(
          "INSERT OR REPLACE INTO meta(key, value) VALUES ('last_evaluation_ms', ?)")
        try meta.bind([.text(String(evaluatedAtMs))])
        try meta.run()
      }
      try connection.execute("DELETE FROM alert_states")
      let insert = try connection.prepare(
        """
        INSERT INTO alert_states(rule, group_key, labels, phase, active_since_ms, fired_at_ms, resolving_since_ms,
          last_value, last_evaluation_ms, no_data_since_ms, released_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
      for (key, st) in states {
        try insert.bind([
          .text(key.rule), .text(key.group), .text(LabelText.encode(st.groupLabels)),
          .text(st.phase.rawValue),
          st.activeSinceMs.map(SQLValue.int) ?? .null, st.firedAtMs.map(SQLValue.int) ?? .null,
          st.resolvingSinceMs.map(SQLValue.int) ?? .null, st.lastValue.map(SQLValue.double) ?? .null,
          .int(st.lastEvaluationMs), st.noDataSinceMs.map(SQLValue.int) ?? .null,
          st.releasedAtMs.map(SQLValue.int) ?? .null,
        ])
        try insert.run()
      }
      let record = try connection.prepare(
        """
        INSERT INTO alert_transitions(at_ms, rule, group_key, kind, metric, value, threshold, labels, summary,
          description, fired_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
      for t in transitions {
        try record.bind([
          .int(t.atMs), .text(t.key.rule), .text(t.key.group), .text(t.kind.rawValue), .text(t.metric),
          t.value.map(SQLValue.double) ?? .null, .double(t.threshold), .text(LabelText.encode(t.labels)),
          .text(t.summary), .text(t.description), t.firedAtMs.map(SQLValue.int) ?? .null,
        ])
        try record.run()
      }
    }
  }

  /// When the rules were last evaluated (by `check` or `serve`), if ever.
  package func lastEvaluationMs() throws(StoreError) -> Int64? {
    let s = try connection.prepare("SELECT value FROM meta WHERE key = 'last_evaluation_ms'")
    guard try s.step() else { return nil }
    return s.text(0).flatMap { Int64($0) }
  }

  /// Recorded transitions in `[fromMs, toMs)`, oldest first.
  package func transitions(fromMs: Int64 = .min, toMs: Int64 = .max) throws(StoreError) -> [StoredTransition]
  {
    let s = try connection.prepare(
      """
      SELECT at_ms, rule, group_key, kind, metric, value, threshold, labels, summary, description, fired_at_ms
      FROM alert_transitions
      WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, id
      """)
    try s.bind([.int(fromMs), .int(toMs)])
    var out: [StoredTransition] = []
    while try s.step() { out.append(Self.transition(s)) }
    return out
  }

  /// The `firing` transition an alert fired with at `atMs` (its state's `firedAtMs`), if recorded.
  package func firing(_ key: AlertKey, atMs: Int64) throws(StoreError) -> StoredTransition? {
    let s = try connection.prepare(
      """
      SELECT at_ms, rule, group_key, kind, metric, value, threshold, labels, summary, description, fired_at_ms
      FROM alert_transitions
      WHERE at_ms = ? AND rule = ? AND group_key = ? AND kind = 'firing' ORDER BY id DESC LIMIT 1
      """)
    try s.bind([.int(atMs), .text(key.rule), .text(key.group)])
    return try s.step() ? Self.transition(s) : nil
  }

  /// A row of the columns the two queries above select.
  static func transition(_ s: Statement) -> StoredTransition {
    StoredTransition(
      atMs: s.int64(0), rule: s.text(1) ?? "", group: s.text(2) ?? "", kind: s.text(3) ?? "",
      metric: s.text(4) ?? "", value: s.isNull(5) ? nil : s.double(5), threshold: s.double(6),
      labels: LabelText.decode(s.text(7) ?? ""), summary: s.text(8) ?? "", description: s.text(9) ?? "",
      firedAtMs: s.isNull(10) ? nil : s.int64(10))
  }
}

/// Labels as a JSON object in a TEXT column, keys sorted.
package enum LabelText {
  package static func encode(_ labels: [String: String]) -> String {
    "{"
      + labels.sorted { $0.key < $1.key }.map { "\(JSONText.quote($0.key)):\(JSONText.quote($0.value))" }
      .joined(separator: ",") + "}"
  }

  /// Decodes what ``encode(_:)`` wrote, using the call-log parser's string rules.
  package static func decode(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    var chars = Array(text.unicodeScalars)[...]
    func string() -> String? {
      guard chars.first == "\"" else { return nil }
      chars = chars.dropFirst()
      var s = String.UnicodeScalarView()
      while let c = chars.first {
        chars = chars.dropFirst()
        if c == "\"" { return String(s) }
        if c == "\\", let e = chars.first {
          chars = chars.dropFirst()
          switch e {
          case "n": s.append("\n")
          case "r": s.append("\r")
          case "t": s.append("\t")
          case "u":
            let hex = String(String.UnicodeScalarView(chars.prefix(4)))
            chars = chars.dropFirst(4)
            if let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) { s.append(u) }
          default: s.append(e)
          }
        } else {
          s.append(c)
        }
      }
      return nil
    }
    guard chars.first == "{" else { return out }
    chars = chars.dropFirst()
    while let k = string() {
      guard chars.first == ":" else { break }
      chars = chars.dropFirst()
      guard let v = string() else { break }
      out[k] = v
      if chars.first == "," { chars = chars.dropFirst() }
    }
    return out
  }
}
