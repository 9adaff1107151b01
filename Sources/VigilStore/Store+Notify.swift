package import VigilCore

extension Store {
  // MARK: Router groups

  /// The router's groups as last saved.
  package func notifyGroups() throws(StoreError) -> [AlertGroup] {
    var groups: [String: AlertGroup] = [:]
    let s = try connection.prepare(
      "SELECT receiver, group_key, labels, next_flush_ms, flushed, last_notified_ms, notified_firing FROM notify_groups"
    )
    while try s.step() {
      var g = AlertGroup(
        receiver: s.text(0) ?? "", labels: LabelText.decode(s.text(2) ?? ""), nextFlushMs: s.int64(3))
      g.flushed = s.int64(4) != 0
      g.lastNotifiedMs = s.isNull(5) ? nil : s.int64(5)
      g.notifiedFiring = Set((s.text(6) ?? "").split(separator: ",").map(String.init))
      groups[(s.text(0) ?? "") + "\u{0}" + (s.text(1) ?? "")] = g
    }
    let a = try connection.prepare(
      """
      SELECT receiver, group_key, labels, annotations, status, starts_ms, ends_ms, metric, value, threshold
      FROM notify_alerts
      """)
    while try a.step() {
      let id = (a.text(0) ?? "") + "\u{0}" + (a.text(1) ?? "")
      let alert = NotifiedAlert(
        labels: LabelText.decode(a.text(2) ?? ""), annotations: LabelText.decode(a.text(3) ?? ""),
        status: NotifiedAlert.Status(rawValue: a.text(4) ?? "") ?? .firing, startsAtMs: a.int64(5),
        endsAtMs: a.isNull(6) ? nil : a.int64(6), metric: a.text(7) ?? "",
        value: a.isNull(8) ? nil : a.double(8),
        threshold: a.double(9))
      groups[id]?.alerts[alert.fingerprint] = alert
    }
    return Array(groups.values)
  }

  func replaceGroups(_ groups: [AlertGroup]) throws(StoreError) {
    try connection.execute("DELETE FROM notify_groups; DELETE FROM notify_alerts")
    let g = try connection.prepare(
      """
      INSERT INTO notify_groups(receiver, group_key, labels, next_flush_ms, flushed, last_notified_ms, notified_firing)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      """)
    let a = try connection.prepare(
      """
      INSERT INTO notify_alerts(receiver, group_key, fingerprint, labels, annotations, status, starts_ms, ends_ms,
        metric, value, threshold)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """)
    for group in groups {
      try g.bind([
        .text(group.receiver), .text(group.key), .text(LabelText.encode(group.labels)),
        .int(group.nextFlushMs),
        .int(group.flushed ? 1 : 0), group.lastNotifiedMs.map(SQLValue.int) ?? .null,
        .text(group.notifiedFiring.sorted().joined(separator: ",")),
      ])
      try g.run()
      for alert in group.alerts.values {
        try a.bind([
          .text(group.receiver), .text(group.key), .text(alert.fingerprint),
          .text(LabelText.encode(alert.labels)),
          .text(LabelText.encode(alert.annotations)), .text(alert.status.rawValue), .int(alert.startsAtMs),
          alert.endsAtMs.map(SQLValue.int) ?? .null, .text(alert.metric),
          alert.value.map(SQLValue.double) ?? .null,
          .double(alert.threshold),
        ])
        try a.run()
      }
    }
  }

  // MARK: Outbox

  func enqueue(_ m: OutboxMessage, nowMs: Int64) throws(StoreError) {
    let s = try connection.prepare(
      """
      INSERT INTO outbox(receiver, group_key, status, alerts, title, content_type, body, created_ms, state,
        next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
      """)
    try s.bind([
      .text(m.receiver), .text(m.groupKey), .text(m.status.rawValue), .int(Int64(m.alertCount)),
      .text(m.title),
      .text(m.contentType), .blob(m.body), .int(nowMs), .int(nowMs),
    ])
    try s.run()
  }

  /// Queues one message outside an evaluation (`vigil notify test`); its outbox id.
  package func enqueueOne(_ message: OutboxMessage, nowMs: Int64) throws(StoreError) -> Int64 {
    try connection.transaction { () throws(StoreError) in
      try enqueue(message, nowMs: nowMs)
      return connection.lastInsertRowID
    }
  }

  /// Removes a message that was not delivered (a test message that must not be sent later);
  /// whether there was one to remove.
  package func withdraw(id: Int64) throws(StoreError) -> Bool {
    let s = try connection.prepare("DELETE FROM outbox WHERE id = ? AND state != 'delivered'")
    try s.bind([.int(id)])
    try s.run()
    return connection.changes == 1
  }

  /// Removes the pending messages of a receiver's group that a newer one supersedes (an
  /// Alertmanager push carries every alert that is still to be sent): how many.
  @discardableResult
  package func supersedePending(receiver: String, groupKey: String) throws(StoreError) -> Int64 {
    let s = try connection.prepare(
      "DELETE FROM outbox WHERE receiver = ? AND group_key = ? AND state = 'pending'")
    try s.bind([.text(receiver), .text(groupKey)])
    try s.run()
    return connection.changes
  }

  /// Deletes the dead letters of the Alertmanager replica of push `id` that came before it: a push
  /// carries the whole current set of alerts, so a later one, delivered or refused, supersedes
  /// them. Says whether one of them was refused with `error` (nil: none is compared), so that a
  /// refusal that repeats every resend period is reported once.
  @discardableResult
  package func supersedeDeadPushes(before id: Int64, error: String?) throws(StoreError) -> Bool {
    try connection.transaction { () throws(StoreError) -> Bool in
      let same = try connection.prepare(
        """
        SELECT count(*) FROM outbox d JOIN outbox p ON p.id = ?1 AND d.receiver = p.receiver
          AND d.group_key = p.group_key
        WHERE d.state = 'dead' AND d.id < ?1 AND d.last_error = ?2
        """)
      try same.bind([.int(id), error.map(SQLValue.text) ?? .null])
      let repeated = try same.step() && same.int64(0) > 0
      same.reset()
      let delete = try connection.prepare(
        """
        DELETE FROM outbox WHERE state = 'dead' AND id < ?1
          AND (receiver, group_key) = (SELECT receiver, group_key FROM outbox WHERE id = ?1)
        """)
      try delete.bind([.int(id)])
      try delete.run()
      return repeated
    }
  }

  /// A value kept in the database between runs (`meta`), or nil.
  package func meta(_ key: String) throws(StoreError) -> String? {
    let s = try connection.prepare("SELECT value FROM meta WHERE key = ?")
    try s.bind([.text(key)])
    return try s.step() ? s.text(0) : nil
  }

  package func setMeta(_ key: String, _ value: String) throws(StoreError) {
    let s = try connection.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")
    try s.bind([.text(key), .text(value)])
    try s.run()
  }

  /// Queues messages outside an evaluation (`vigil notify test`).
  package func enqueue(_ messages: [OutboxMessage], nowMs: Int64) throws(StoreError) {
    try connection.transaction { () throws(StoreError) in
      for m in messages { try enqueue(m, nowMs: nowMs) }
    }
  }

  static let outboxColumns =
    "id, receiver, group_key, status, alerts, title, content_type, body, state, attempts, created_ms, next_attempt_ms, last_error, delivered_ms"

  func readEntry(_ s: Statement) -> OutboxEntry {
    let message = OutboxMessage(
      receiver: s.text(1) ?? "", groupKey: s.text(2) ?? "",
      status: NotifiedAlert.Status(rawValue: s.text(3) ?? "") ?? .firing, alertCount: Int(s.int64(4)),
      title: s.text(5) ?? "", contentType: s.text(6) ?? "", body: s.withBlob(7) { Array($0) })
    return OutboxEntry(
      id: s.int64(0), message: message, state: OutboxEntry.State(rawValue: s.text(8) ?? "") ?? .pending,
      attempts: Int(s.int64(9)), createdMs: s.int64(10), nextAttemptMs: s.int64(11),
      lastError: s.text(12), deliveredMs: s.isNull(13) ? nil : s.int64(13))
  }

  /// Pending messages due at `atMs`, oldest first. A message waits while an earlier pending one
  /// of the same receiver is not yet due again, so that a receiver gets its messages in order.
  package func dueMessages(atMs: Int64, limit: Int = 100) throws(StoreError) -> [OutboxEntry] {
    let s = try connection.prepare(
      """
      SELECT \(Self.outboxColumns) FROM outbox o WHERE state = 'pending' AND next_attempt_ms <= ?1
        AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.receiver = o.receiver AND e.state = 'pending'
          AND e.id < o.id AND e.next_attempt_ms > ?1
          AND (o.group_key NOT LIKE 'replica %' OR e.group_key = o.group_key))
      ORDER BY id LIMIT ?2
      """)
    try s.bind([.int(atMs), .int(Int64(limit))])
    var out: [OutboxEntry] = []
    while try s.step() { out.append(readEntry(s)) }
    return out
  }

  /// When the next pending message can be sent, if any is pending; with `skipping`, leaving out
  /// the messages of those (receiver, group key) queues. A queue sends in order (see
  /// ``dueMessages(atMs:limit:)``), so what comes due next is the earliest due time of a queue's
  /// first pending message: a later message already due behind a first one that waits for its
  /// retry is not due. (Taking the earliest due time of any message once made a deliverer that
  /// had just found nothing to send try again at once, spinning a core until the first's retry.)
  package func nextDueMs(skipping: Set<OutboxQueue> = []) throws(StoreError) -> Int64? {
    let s = try connection.prepare(
      "SELECT receiver, group_key, next_attempt_ms FROM outbox WHERE state = 'pending' ORDER BY id")
    var heads: Set<OutboxQueue> = []
    var next: Int64?
    while try s.step() {
      let queue = OutboxQueue(receiver: s.text(0) ?? "", groupKey: s.text(1))
      guard !skipping.contains(queue), heads.insert(queue).inserted else { continue }
      next = min(next ?? .max, s.int64(2))
    }
    return next
  }

  /// Outbox rows in the given states, newest first.
  package func outbox(states: [OutboxEntry.State], limit: Int = 100) throws(StoreError) -> [OutboxEntry] {
    let list = states.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    let s = try connection.prepare(
      "SELECT \(Self.outboxColumns) FROM outbox WHERE state IN (\(list)) ORDER BY id DESC LIMIT ?")
    try s.bind([.int(Int64(limit))])
    var out: [OutboxEntry] = []
    while try s.step() { out.append(readEntry(s)) }
    return out
  }

  /// Counts of outbox rows per state.
  package func outboxCounts() throws(StoreError) -> [OutboxEntry.State: Int64] {
    let s = try connection.prepare("SELECT state, count(*) FROM outbox GROUP BY state")
    var out: [OutboxEntry.State: Int64] = [:]
    while try s.step() { if let st = OutboxEntry.State(rawValue: s.text(0) ?? "") { out[st] = s.int64(1) } }
    return out
  }

  /// Claims a due message for one delivery attempt: moves its next attempt to `untilMs` (a lease:
  /// a deliverer that dies mid-send leaves it to be tried again then), unless another deliverer
  /// (a second `check`, `serve` beside `check`) claimed or recorded it since `entry` was read.
  /// Only the claimant sends, so two processes never send one message twice.
  package func claim(_ entry: OutboxEntry, untilMs: Int64) throws(StoreError) -> Bool {
    let s = try connection.prepare(
      """
      UPDATE outbox SET next_attempt_ms = ?
      WHERE id = ? AND state = 'pending' AND attempts = ? AND next_attempt_ms = ?
      """)
    try s.bind([.int(untilMs), .int(entry.id), .int(Int64(entry.attempts)), .int(entry.nextAttemptMs)])
    try s.run()
    return connection.changes == 1
  }

  /// Records the outcome of one attempt: delivered, pending again at `nextAttemptMs`, or dead.
  package func recordAttempt(
    id: Int64, state: OutboxEntry.State, attempts: Int, nextAttemptMs: Int64, error: String?, atMs: Int64
  ) throws(StoreError) {
    let s = try connection.prepare(
      """
      UPDATE outbox SET state = ?, attempts = ?, next_attempt_ms = ?, last_error = ?,
        delivered_ms = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_ms END
      WHERE id = ?
      """)
    try s.bind([
      .text(state.rawValue), .int(Int64(attempts)), .int(nextAttemptMs), error.map(SQLValue.text) ?? .null,
      .text(state.rawValue), .int(atMs), .int(id),
    ])
    try s.run()
  }

  /// Puts dead letters back in the queue, due now, with their attempts reset: the given ids,
  /// or every dead one when `ids` is empty. Returns how many.
  @discardableResult
  package func retryDead(ids: [Int64], nowMs: Int64) throws(StoreError) -> Int64 {
    try connection.transaction { () throws(StoreError) -> Int64 in
      let before = try connection.scalar("SELECT total_changes()") ?? 0
      let filter = ids.isEmpty ? "" : " AND id IN (\(ids.map(String.init).joined(separator: ",")))"
      try connection.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = \(nowMs) WHERE state = 'dead'\(filter)"
      )
      return (try connection.scalar("SELECT total_changes()") ?? 0) - before
    }
  }

  /// Deletes delivered messages older than `beforeMs`; dead and pending ones stay.
  package func pruneOutbox(deliveredBeforeMs: Int64) throws(StoreError) {
    let s = try connection.prepare("DELETE FROM outbox WHERE state = 'delivered' AND delivered_ms < ?")
    try s.bind([.int(deliveredBeforeMs)])
    try s.run()
  }

  // MARK: Silences

  /// Adds a silence.
  package func addSilence(_ silence: Silence, nowMs: Int64) throws(StoreError) {
    let s = try connection.prepare(
      """
      INSERT INTO silences(id, matchers, starts_ms, ends_ms, created_by, comment, created_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      """)
    try s.bind([
      .text(silence.id), .text(silence.matchers.map(\.description).joined(separator: ",")),
      .int(silence.startsAtMs), .int(silence.endsAtMs), .text(silence.createdBy), .text(silence.comment),
      .int(nowMs),
    ])
    try s.run()
  }

  /// Silences, newest first; with `activeAtMs`, only those in force then.
  package func silences(activeAtMs: Int64? = nil) throws(StoreError) -> [Silence] {
    let s = try connection.prepare(
      "SELECT id, matchers, starts_ms, ends_ms, created_by, comment FROM silences ORDER BY created_ms DESC, id"
    )
    var out: [Silence] = []
    while try s.step() {
      let matchers = Self.splitMatchers(s.text(1) ?? "").compactMap { try? LabelMatcher.parse($0) }
      let silence = Silence(
        id: s.text(0) ?? "", matchers: matchers, startsAtMs: s.int64(2), endsAtMs: s.int64(3),
        createdBy: s.text(4) ?? "", comment: s.text(5) ?? "")
      if let at = activeAtMs, !silence.isActive(atMs: at) { continue }
      out.append(silence)
    }
    return out
  }

  /// Ends a silence now (if it has not ended); returns whether one with that id (or id prefix) was found.
  @discardableResult
  package func expireSilence(id: String, nowMs: Int64) throws(StoreError) -> Bool {
    let s = try connection.prepare(
      "UPDATE silences SET ends_ms = min(ends_ms, ?) WHERE id = ? OR (length(?) >= 4 AND id LIKE ? || '%')")
    try s.bind([.int(nowMs), .text(id), .text(id), .text(id)])
    try s.run()
    return (try connection.scalar("SELECT changes()") ?? 0) > 0
  }

  /// Splits `a="x",b=~"y,z"` at the commas between matchers (not those inside quotes).
  static func splitMatchers(_ text: String) -> [String] {
    var out: [String] = []
    var current = ""
    var quoted = false
    var escaped = false
    for c in text {
      if escaped {
        escaped = false
      } else if c == "\\" {
        escaped = true
      } else if c == "\"" {
        quoted.toggle()
      } else if c == ",", !quoted {
        out.append(current)
        current = ""
        continue
      }
      current.append(c)
    }
    if !current.isEmpty { out.append(current) }
    return out
  }
}

extension Store {
  /// Replaces the router's groups and queues messages, in one transaction (a flush between
  /// evaluations).
  package func saveNotifications(groups: [AlertGroup], messages: [OutboxMessage], nowMs: Int64)
    throws(StoreError)
  {
    try connection.transaction { () throws(StoreError) in
      try replaceGroups(groups)
      for m in messages { try enqueue(m, nowMs: nowMs) }
    }
  }
}
