package import VigilCore
package import VigilStore
package import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

/// Calls that arrived over HTTP (OTLP exports, LiteLLM's log) and were acknowledged, waiting to
/// be stored: a SQLite file of its own beside the database (`vigil.db-intake`), which only this
/// serve writes. An export is answered 200 once its calls are committed here, whatever holds the
/// database meanwhile (a `prune` from cron, a full disk, a long report): exporters give up on a
/// batch after about 10 seconds, and a lock may last longer. ``IntakeSpoolDrain`` then moves the
/// entries into the database in order, each exactly once: the last entry stored is the spool's
/// checkpoint, committed with the calls, as a file's offset is.
///
/// Entries keep their calls as call-log lines (``CallRecord/line``), which reach the store through
/// the parser every line passes.
package final class IntakeSpool {
  let connection: SQLiteConnection
  /// A random identity stored in the spool: a new spool file never inherits the checkpoint of one
  /// that was deleted.
  package let id: String
  /// Bytes of lines waiting, and their entries (this process's count).
  package private(set) var pendingBytes: Int64 = 0
  package private(set) var pendingEntries: Int64 = 0
  /// Beyond this many bytes waiting, ``append(door:source:calls:rejects:)`` refuses: the sender
  /// is told to come back later (HTTP 503), and memory and disk stay bounded.
  package let maxPendingBytes: Int64

  /// The spool of the database at `database`.
  package static func path(forDatabase database: String) -> String { database + "-intake" }

  /// The checkpoint key under which the database records the last entry stored.
  package var fingerprint: String { "intake-spool:" + id }

  package init(
    path: String, maxPendingBytes: Int64 = 256 << 20, busyTimeoutMs: Int32 = VigilDefaults.busyTimeoutMs
  ) throws(StoreError) {
    connection = try SQLiteConnection(path: path, busyTimeoutMs: busyTimeoutMs)
    self.maxPendingBytes = maxPendingBytes
    try connection.execute("PRAGMA journal_mode=WAL")
    // Acknowledged means on disk: a commit is durable before the sender hears 200.
    try connection.execute("PRAGMA synchronous=FULL")
    try connection.execute(
      """
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS entries(
        seq INTEGER PRIMARY KEY AUTOINCREMENT, door TEXT NOT NULL, source TEXT NOT NULL,
        received_ms INTEGER NOT NULL, lines BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS entry_rejects(
        seq INTEGER NOT NULL, offset INTEGER NOT NULL, line_number INTEGER, kind TEXT NOT NULL,
        reason TEXT NOT NULL, line TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS entry_rejects_seq ON entry_rejects(seq);
      """)
    let fresh = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    let connection = self.connection
    id = try connection.transaction { () throws(StoreError) -> String in
      let insert = try connection.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('id', ?)")
      try insert.bind([.text(fresh)])
      try insert.run()
      let select = try connection.prepare("SELECT value FROM meta WHERE key = 'id'")
      guard try select.step(), let id = select.text(0) else { throw StoreError("\(path): no spool id") }
      return id
    }
    try countPending()
  }

  func countPending() throws(StoreError) {
    let s = try connection.prepare("SELECT count(*), coalesce(sum(length(lines)), 0) FROM entries")
    _ = try s.step()
    pendingEntries = s.int64(0)
    pendingBytes = s.int64(1)
  }

  /// The spool is full: the sender should retry later.
  package struct Full: Error, CustomStringConvertible {
    package var pendingBytes: Int64
    package var description: String {
      "the intake spool holds \(pendingBytes >> 20) MiB waiting to be stored"
    }
  }

  /// Keeps the calls and rejects of one request, durably; returns the entry's sequence number.
  /// Throws ``Full`` when too much waits already.
  @discardableResult
  package func append(door: String, source: String, calls: [CallRecord], rejects: [Reject]) throws -> Int64 {
    if pendingBytes >= maxPendingBytes {
      // The drain (another connection) may have stored some since this one counted.
      try countPending()
      guard pendingBytes < maxPendingBytes else { throw Full(pendingBytes: pendingBytes) }
    }
    var lines: [UInt8] = []
    lines.reserveCapacity(calls.count * 200)
    for call in calls {
      call.appendLine(to: &lines)
      lines.append(10)
    }
    let seq = try connection.transaction { () throws(StoreError) -> Int64 in
      let insert = try connection.prepare(
        "INSERT INTO entries(door, source, received_ms, lines) VALUES (?, ?, ?, ?)")
      try insert.bind([.text(door), .text(source), .int(WallClock.nowMs()), .blob(lines)])
      try insert.run()
      let seq = connection.lastInsertRowID
      if !rejects.isEmpty {
        let r = try connection.prepare(
          "INSERT INTO entry_rejects(seq, offset, line_number, kind, reason, line) VALUES (?, ?, ?, ?, ?, ?)")
        for reject in rejects {
          try r.bind([
            .int(seq), .int(reject.offset), reject.lineNumber.map(SQLValue.int) ?? .null,
            .text(reject.reason.kind.rawValue), .text(reject.reason.message), .text(reject.line),
          ])
          try r.run()
        }
      }
      return seq
    }
    pendingBytes += Int64(lines.count)
    pendingEntries += 1
    return seq
  }

  /// One entry waiting to be stored.
  package struct Entry: Sendable {
    package var seq: Int64
    package var door: String
    package var source: String
    package var lines: [UInt8]
    package var rejects: [Reject]
  }

  /// Entries after `seq`, in order, until about `maxBytes` of lines.
  package func entries(after seq: Int64, maxBytes: Int) throws(StoreError) -> [Entry] {
    let s = try connection.prepare("SELECT seq, door, source, lines FROM entries WHERE seq > ? ORDER BY seq")
    try s.bind([.int(seq)])
    var out: [Entry] = []
    var bytes = 0
    while bytes < maxBytes, try s.step() {
      let lines = s.withBlob(3) { Array($0) }
      bytes += lines.count
      out.append(
        Entry(seq: s.int64(0), door: s.text(1) ?? "", source: s.text(2) ?? "", lines: lines, rejects: []))
    }
    s.reset()
    guard let first = out.first, let last = out.last else { return out }
    let r = try connection.prepare(
      "SELECT seq, offset, line_number, kind, reason, line FROM entry_rejects WHERE seq BETWEEN ? AND ? ORDER BY rowid"
    )
    try r.bind([.int(first.seq), .int(last.seq)])
    var index = Dictionary(uniqueKeysWithValues: out.enumerated().map { ($1.seq, $0) })
    while try r.step() {
      guard let k = index[r.int64(0)] else { continue }
      out[k].rejects.append(
        Reject(
          source: out[k].source, offset: r.int64(1), lineNumber: r.isNull(2) ? nil : r.int64(2),
          reason: RejectReason(RejectReason.Kind(rawValue: r.text(3) ?? "") ?? .badValue, r.text(4) ?? ""),
          line: r.text(5) ?? ""))
    }
    index.removeAll()
    return out
  }

  /// Forgets the entries up to `seq`: they are stored.
  package func remove(through seq: Int64) throws(StoreError) {
    try connection.transaction { () throws(StoreError) in
      let d = try connection.prepare("DELETE FROM entries WHERE seq <= ?")
      try d.bind([.int(seq)])
      try d.run()
      let r = try connection.prepare("DELETE FROM entry_rejects WHERE seq <= ?")
      try r.bind([.int(seq)])
      try r.run()
    }
    try countPending()
  }
}

/// The intake spool for async code (the HTTP handlers): appends run one at a time on a thread of
/// their own, never on the cooperative pool, and wake the drain.
package actor SerialSpool {
  let executor = QueueExecutor(label: "vigil-intake-spool")
  let spool: IntakeSpool
  let appended: ThreadWakeup

  package nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

  /// The spool of the database at `database`; `appended` is signalled after each append.
  package init(database: String, appended: ThreadWakeup) throws {
    spool = try IntakeSpool(path: IntakeSpool.path(forDatabase: database))
    self.appended = appended
  }

  /// Keeps the calls and rejects of one request durably (see ``IntakeSpool/append(door:source:calls:rejects:)``).
  package func append(door: String, source: String, calls: [CallRecord], rejects: [Reject]) throws {
    try spool.append(door: door, source: source, calls: calls, rejects: rejects)
    appended.signal()
  }
}
