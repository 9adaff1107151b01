import CSQLite
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

/// Vigil's SQLite database: calls, rollups, checkpoints and rejects, with a versioned schema.
///
/// One `Store` is one connection and is used from one thread at a time. The database is in WAL
/// mode with `synchronous=NORMAL`: a crash of the process loses no committed transaction, and
/// readers (reports, `check`) never block the writer.
///
/// ```swift
/// let store = try Store(path: "vigil.db")
/// var batch = IngestBatch(source: "app.log")
/// batch.add(record)
/// try store.write(batch)
/// ```
package final class Store {
  package let connection: SQLiteConnection

  /// Interned series and sources, so rows carry small integers.
  var seriesIDs: [SeriesKey: Int64] = [:]
  var sourceIDs: [String: Int64] = [:]
  /// Ids learnt in the transaction in progress, kept only if it commits.
  var pendingSeriesIDs: [SeriesKey: Int64] = [:]
  var pendingSourceIDs: [String: Int64] = [:]
  var insertCalls: Statement?
  var rollupQuery: Statement?
  var latencyQuery: Statement?
  /// Statements prepared once and kept, by their SQL.
  var statements: [String: Statement] = [:]
  /// Series by id, for reading rollups.
  var seriesNames: [Int64: SeriesKey] = [:]
  var insertCall: Statement?
  /// What evaluations read, kept between them (``StoreMirror``).
  var mirror = StoreMirror()
  /// Rows of `insertCalls` (``rowsPerInsert`` when it was prepared).
  var bulkRows = 1
  /// What the parameters of `insertCalls` hold since its last run.
  var bulkBound = BoundValues(count: 0)
  /// Runs before each ``write(_:nowMs:)``; a ``BackgroundCheckpointer`` waits here at times.
  var beforeWrite: (() -> Void)?
  /// Rows per multi-row INSERT on the bulk path: 128, a quarter as many statement runs and
  /// resets as 32; fewer when the SQLite library allows fewer bound values per statement (999
  /// before 3.32).
  static let maxRowsPerInsert = 128
  var rowsPerInsert: Int {
    min(
      Self.maxRowsPerInsert,
      max(1, Int(sqlite3_limit(connection.handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1)) / Self.callColumns))
  }
  static let callColumns = 14

  /// WAL pages after which a commit checkpoints: every ~64 MB rather than every 4 MB, for fewer
  /// stalls in bulk imports (which checkpoint on another thread: ``BackgroundCheckpointer``).
  package static let autoCheckpointPages: Int32 = 4000

  /// The schema version this build writes; `PRAGMA user_version` holds the database's.
  package static var schemaVersion: Int { migrations.count }

  /// Opens or creates the database at `path` and brings its schema up to date.
  ///
  /// Fails with one clear message when the file is not a SQLite database, is newer than this
  /// build, or is locked by another process for longer than `busyTimeoutMs`.
  package init(path: String, busyTimeoutMs: Int32 = VigilDefaults.busyTimeoutMs) throws(StoreError) {
    connection = try SQLiteConnection(path: path, busyTimeoutMs: busyTimeoutMs)
    // Larger pages make bulk inserts cheaper; this only takes effect on a new, empty database.
    try connection.execute("PRAGMA page_size=16384")
    try enableWAL(busyTimeoutMs: busyTimeoutMs)
    try connection.execute("PRAGMA wal_autocheckpoint=\(Self.autoCheckpointPages)")
    try connection.execute(
      "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384; PRAGMA foreign_keys=OFF"
    )
    try migrate()
    try loadInterned()
  }

  /// Schema changes in order; the database records how many it has applied.
  static let migrations: [String] = [
    """
    CREATE TABLE series(
      id INTEGER PRIMARY KEY,
      provider TEXT NOT NULL, model TEXT NOT NULL, app TEXT NOT NULL, env TEXT NOT NULL, endpoint TEXT NOT NULL,
      UNIQUE(provider, model, app, env, endpoint));
    CREATE TABLE sources(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    -- One row per call, kept narrow because the insert rate depends on the column count: the
    -- fields most lines carry are columns; the rare ones (error type and code, Retry-After, rate
    -- limit headers) sit in `detail` as a JSON object, NULL when the line has none of them. The
    -- view call_log shows every field as a column.
    CREATE TABLE calls(
      id INTEGER PRIMARY KEY,
      ts INTEGER NOT NULL,
      series INTEGER NOT NULL,
      status INTEGER NOT NULL,
      latency_ms REAL,
      attempt INTEGER NOT NULL,
      max_attempts INTEGER,
      exhausted INTEGER NOT NULL,
      request_id TEXT,
      prompt_tokens INTEGER, completion_tokens INTEGER,
      detail TEXT);
    CREATE VIEW call_log AS
      SELECT c.id, c.ts, s.provider, s.model, s.app, s.env, s.endpoint, c.status, c.latency_ms, c.attempt,
        c.max_attempts, c.exhausted AS retries_exhausted, c.request_id, c.prompt_tokens, c.completion_tokens,
        c.detail ->> '$.error_type' AS error_type, c.detail ->> '$.error_code' AS error_code,
        c.detail ->> '$.retry_after_s' AS retry_after_s,
        c.detail ->> '$.ratelimit_remaining_requests' AS ratelimit_remaining_requests,
        c.detail ->> '$.ratelimit_remaining_tokens' AS ratelimit_remaining_tokens,
        (SELECT o.name FROM chunks k JOIN sources o ON o.id = k.source
          WHERE c.id BETWEEN k.first_call AND k.last_call) AS source
      FROM calls c JOIN series s ON s.id = c.series;
    -- One row per write: the id range it added and its event-time range. Time-range scans of calls
    -- and retention use it instead of an index on ts, which would halve the insert rate.
    CREATE TABLE chunks(id INTEGER PRIMARY KEY, first_call INTEGER NOT NULL, last_call INTEGER NOT NULL,
      min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, source INTEGER NOT NULL);
    CREATE INDEX chunks_max_ts ON chunks(max_ts);
    CREATE TABLE rollups(
      bucket INTEGER NOT NULL, series INTEGER NOT NULL,
      attempts INTEGER NOT NULL, requests INTEGER NOT NULL, errors INTEGER NOT NULL,
      s429 INTEGER NOT NULL, s5xx INTEGER NOT NULL, auth INTEGER NOT NULL,
      c_success INTEGER NOT NULL, c_client INTEGER NOT NULL, c_capacity INTEGER NOT NULL,
      c_quota INTEGER NOT NULL, c_server INTEGER NOT NULL, c_network INTEGER NOT NULL,
      exhausted INTEGER NOT NULL, latency_sum REAL NOT NULL,
      prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, failed_tokens INTEGER NOT NULL,
      latency BLOB NOT NULL,
      PRIMARY KEY(bucket, series)) WITHOUT ROWID;
    CREATE TABLE checkpoints(
      fingerprint TEXT PRIMARY KEY, path TEXT NOT NULL, device INTEGER NOT NULL, inode INTEGER NOT NULL,
      offset INTEGER NOT NULL, line INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
    CREATE TABLE rejects(
      id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, source TEXT NOT NULL, offset INTEGER NOT NULL,
      line_number INTEGER, kind TEXT NOT NULL, reason TEXT NOT NULL, line TEXT NOT NULL);
    """,
    // 2: alert state, so that cron runs, restarts and crashes neither repeat nor forget an alert.
    """
    CREATE TABLE alert_states(
      rule TEXT NOT NULL, group_key TEXT NOT NULL, labels TEXT NOT NULL, phase TEXT NOT NULL,
      active_since_ms INTEGER, fired_at_ms INTEGER, resolving_since_ms INTEGER, last_value REAL,
      last_evaluation_ms INTEGER NOT NULL,
      PRIMARY KEY(rule, group_key));
    CREATE TABLE alert_transitions(
      id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, rule TEXT NOT NULL, group_key TEXT NOT NULL,
      kind TEXT NOT NULL, metric TEXT NOT NULL, value REAL, threshold REAL NOT NULL, labels TEXT NOT NULL,
      summary TEXT NOT NULL, description TEXT NOT NULL, fired_at_ms INTEGER);
    CREATE INDEX alert_transitions_at ON alert_transitions(at_ms);
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    // 3: notifications. The router's groups and the outbox are written in the same transaction as
    // the evaluation that produced them; messages leave the outbox only once delivered.
    """
    CREATE TABLE notify_groups(
      receiver TEXT NOT NULL, group_key TEXT NOT NULL, labels TEXT NOT NULL, next_flush_ms INTEGER NOT NULL,
      flushed INTEGER NOT NULL, last_notified_ms INTEGER, notified_firing TEXT NOT NULL,
      PRIMARY KEY(receiver, group_key));
    CREATE TABLE notify_alerts(
      receiver TEXT NOT NULL, group_key TEXT NOT NULL, fingerprint TEXT NOT NULL, labels TEXT NOT NULL,
      annotations TEXT NOT NULL, status TEXT NOT NULL, starts_ms INTEGER NOT NULL, ends_ms INTEGER,
      metric TEXT NOT NULL, value REAL, threshold REAL NOT NULL,
      PRIMARY KEY(receiver, group_key, fingerprint));
    CREATE TABLE outbox(
      id INTEGER PRIMARY KEY, receiver TEXT NOT NULL, group_key TEXT NOT NULL, status TEXT NOT NULL,
      alerts INTEGER NOT NULL, title TEXT NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL,
      created_ms INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_ms INTEGER NOT NULL, last_error TEXT, delivered_ms INTEGER);
    CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);
    CREATE TABLE silences(
      id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_ms INTEGER NOT NULL, ends_ms INTEGER NOT NULL,
      created_by TEXT NOT NULL, comment TEXT NOT NULL, created_ms INTEGER NOT NULL);
    """,
    // 4: reports: attempts per status code, and what retries cost in tokens, per rollup.
    """
    ALTER TABLE rollups ADD COLUMN retry_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN codes BLOB;
    """,
    // 5: alerts kept as they were while their window has no data say since when.
    """
    ALTER TABLE alert_states ADD COLUMN no_data_since_ms INTEGER;
    """,
    // 6: SLOs. Logical requests and the unavailable ones (an availability SLO's bad events), per
    // rollup and, for windows of hours and days, per minute and per hour: a 3-day window is 72
    // hours and a few dozen minutes, not 25,920 ten-second buckets. Older rollups are not copied
    // into the tiers: which of their attempts were final failures is not stored, and counting them
    // all as good would hide a burn for the first days after an upgrade.
    """
    ALTER TABLE rollups ADD COLUMN unavailable INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE request_minutes(
      minute INTEGER NOT NULL, series INTEGER NOT NULL, requests INTEGER NOT NULL, unavailable INTEGER NOT NULL,
      PRIMARY KEY(minute, series)) WITHOUT ROWID;
    CREATE TABLE request_hours(
      hour INTEGER NOT NULL, series INTEGER NOT NULL, requests INTEGER NOT NULL, unavailable INTEGER NOT NULL,
      PRIMARY KEY(hour, series)) WITHOUT ROWID;
    """,
    // 7: the classes content_filter, context_length and cancelled (split out of client and
    // success), cancelled requests per minute and hour (outside an availability SLO), and a call's
    // finish reason in `detail`. Older rollups keep their counts where they were counted (those
    // calls were client errors or successes then).
    """
    ALTER TABLE rollups ADD COLUMN c_content_filter INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN c_context_length INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN c_cancelled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_minutes ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_hours ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
    DROP VIEW call_log;
    CREATE VIEW call_log AS
      SELECT c.id, c.ts, s.provider, s.model, s.app, s.env, s.endpoint, c.status, c.latency_ms, c.attempt,
        c.max_attempts, c.exhausted AS retries_exhausted, c.request_id, c.prompt_tokens, c.completion_tokens,
        c.detail ->> '$.error_type' AS error_type, c.detail ->> '$.error_code' AS error_code,
        c.detail ->> '$.retry_after_s' AS retry_after_s,
        c.detail ->> '$.ratelimit_remaining_requests' AS ratelimit_remaining_requests,
        c.detail ->> '$.ratelimit_remaining_tokens' AS ratelimit_remaining_tokens,
        c.detail ->> '$.finish_reason' AS finish_reason,
        (SELECT o.name FROM chunks k JOIN sources o ON o.id = k.source
          WHERE c.id BETWEEN k.first_call AND k.last_call) AS source
      FROM calls c JOIN series s ON s.id = c.series;
    """,
    // 8: the rate-limit headers' limits and resets (in `detail`), and per bucket and series what
    // they said over time (a least-squares fit of the remaining counts: the observed burn), for
    // the headroom forecast. A table of its own, holding only the buckets that saw the headers:
    // rules over long windows read those, not every rollup.
    """
    CREATE TABLE ratelimit_rollups(
      bucket INTEGER NOT NULL, series INTEGER NOT NULL, fits BLOB NOT NULL,
      PRIMARY KEY(bucket, series)) WITHOUT ROWID;
    DROP VIEW call_log;
    CREATE VIEW call_log AS
      SELECT c.id, c.ts, s.provider, s.model, s.app, s.env, s.endpoint, c.status, c.latency_ms, c.attempt,
        c.max_attempts, c.exhausted AS retries_exhausted, c.request_id, c.prompt_tokens, c.completion_tokens,
        c.detail ->> '$.error_type' AS error_type, c.detail ->> '$.error_code' AS error_code,
        c.detail ->> '$.retry_after_s' AS retry_after_s,
        c.detail ->> '$.ratelimit_remaining_requests' AS ratelimit_remaining_requests,
        c.detail ->> '$.ratelimit_remaining_tokens' AS ratelimit_remaining_tokens,
        c.detail ->> '$.ratelimit_limit_requests' AS ratelimit_limit_requests,
        c.detail ->> '$.ratelimit_limit_tokens' AS ratelimit_limit_tokens,
        c.detail ->> '$.ratelimit_reset_requests_s' AS ratelimit_reset_requests_s,
        c.detail ->> '$.ratelimit_reset_tokens_s' AS ratelimit_reset_tokens_s,
        c.detail ->> '$.finish_reason' AS finish_reason,
        (SELECT o.name FROM chunks k JOIN sources o ON o.id = k.source
          WHERE c.id BETWEEN k.first_call AND k.last_call) AS source
      FROM calls c JOIN series s ON s.id = c.series;
    """,
    // 9: streamed calls: whether a call streamed, its time to first token, how its stream ended
    // and the rest of a stream's fields (in `detail`, like the other rare fields).
    "DROP VIEW call_log;\n" + callLogView(detail: detailFields),
    // 10: streams per rollup: streamed attempts, failed ones (and per class), the time to first
    // token and the latency of streamed attempts as histograms (NULL where nothing streamed).
    """
    ALTER TABLE rollups ADD COLUMN streams INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN stream_failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN stream_failure_classes BLOB;
    ALTER TABLE rollups ADD COLUMN ttft BLOB;
    ALTER TABLE rollups ADD COLUMN stream_latency BLOB;
    """,
    // 11: retries that never came. Per rollup, minute and hour: failed attempts that announced
    // another, and attempts after a request's first; a window's surplus of the first over the
    // second (a minute on) is requests that count by their last attempt. Older rows hold zeros:
    // no request of theirs is judged so.
    """
    ALTER TABLE rollups ADD COLUMN retry_pending INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_minutes ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_minutes ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_hours ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_hours ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
    """,
    // 12: an SLO alert that resolved is not fired again by the failures it announced: its windows
    // count from its resolve for a while (AlertState.releasedAtMs).
    """
    ALTER TABLE alert_states ADD COLUMN released_at_ms INTEGER;
    """,
    // 13: the stream fields most streamed calls carry in columns of their own instead of
    // `detail` (StreamColumns): `stream` packs the said value and the outcome, `ttft_ms` and
    // `max_chunk_gap_ms` have no type affinity (kept as bound: INTEGER or REAL, as JSON gave them).
    // Older rows keep theirs in `detail`; the view reads either.
    """
    ALTER TABLE calls ADD COLUMN stream INTEGER;
    ALTER TABLE calls ADD COLUMN ttft_ms;
    ALTER TABLE calls ADD COLUMN max_chunk_gap_ms;
    DROP VIEW call_log;
    """ + callLogView(detail: detailFields, columns: StreamColumns.viewExpression),
    // 14: every write of rollups notes the earliest bucket it changed (retention: all of them),
    // so that a reader keeping windows between evaluations (StoreMirror) reads again only what
    // changed. Ids never come back (AUTOINCREMENT): a reader asks for those after its last.
    """
    CREATE TABLE rollup_changes(id INTEGER PRIMARY KEY AUTOINCREMENT, bucket INTEGER NOT NULL);
    """,
  ]

  /// The fields `detail` holds, in the order `call_log` shows them (from schema 13 on, the stream
  /// fields of ``StreamColumns`` are columns instead).
  static let detailFields = [
    "error_type", "error_code", "retry_after_s", "ratelimit_remaining_requests", "ratelimit_remaining_tokens",
    "ratelimit_limit_requests", "ratelimit_limit_tokens", "ratelimit_reset_requests_s",
    "ratelimit_reset_tokens_s", "finish_reason", "stream", "ttft_ms", "stream_outcome", "stream_error_type",
    "error_after_ms", "output_tokens_partial", "max_chunk_gap_ms",
  ]

  /// The view that shows every field of every call as a column: the columns, then each of
  /// `detail`'s fields (or the expression `columns` gives for it), then the source.
  static func callLogView(detail: [String], columns: (String) -> String? = { _ in nil }) -> String {
    let fields = detail.map { "\(columns($0) ?? "c.detail ->> '$.\($0)'") AS \($0)" }
      .joined(separator: ",\n    ")
    return """
      CREATE VIEW call_log AS
        SELECT c.id, c.ts, s.provider, s.model, s.app, s.env, s.endpoint, c.status, c.latency_ms, c.attempt,
          c.max_attempts, c.exhausted AS retries_exhausted, c.request_id, c.prompt_tokens,
          c.completion_tokens,
          \(fields),
          (SELECT o.name FROM chunks k JOIN sources o ON o.id = k.source
            WHERE c.id BETWEEN k.first_call AND k.last_call) AS source
        FROM calls c JOIN series s ON s.id = c.series;
      """
  }

  func migrate() throws(StoreError) {
    guard try version() < Self.migrations.count else { return try checkNotNewer() }
    // Read the version again under the write lock: another process may be creating the same new
    // database at this moment, and each migration must run once.
    try connection.transaction { () throws(StoreError) in
      let current = try version()
      guard current < Self.migrations.count else { return }
      for step in current..<Self.migrations.count {
        try connection.execute(Self.migrations[step])
      }
      try connection.execute("PRAGMA user_version=\(Self.migrations.count)")
    }
  }

  /// Switching to WAL needs a moment with no other connection; SQLite does not wait for it (the
  /// busy handler is not called), so wait here, within the busy timeout.
  func enableWAL(busyTimeoutMs: Int32) throws(StoreError) {
    var waited: Int32 = 0
    while true {
      do {
        try connection.execute("PRAGMA journal_mode=WAL")
        return
      } catch {
        guard error.isBusy, waited < busyTimeoutMs else { throw error }
        usleep(5000)
        waited += 5
      }
    }
  }

  func version() throws(StoreError) -> Int { Int(try connection.scalar("PRAGMA user_version") ?? 0) }

  func checkNotNewer() throws(StoreError) {
    let current = try version()
    guard current <= Self.migrations.count else {
      throw StoreError(
        "database \(connection.path) has schema version \(current), newer than this vigil supports (\(Self.migrations.count)); upgrade vigil"
      )
    }
  }

  func loadInterned() throws(StoreError) {
    let s = try connection.prepare("SELECT id, provider, model, app, env, endpoint FROM series")
    while try s.step() {
      let key = SeriesKey(
        provider: s.text(1) ?? "", model: s.text(2) ?? "", app: s.text(3) ?? "", env: s.text(4) ?? "",
        endpoint: s.text(5) ?? "")
      seriesIDs[key] = s.int64(0)
    }
    let t = try connection.prepare("SELECT id, name FROM sources")
    while try t.step() { sourceIDs[t.text(1) ?? ""] = t.int64(0) }
  }

  /// Runs `body` in one write transaction (the write lock taken first, waiting up to the busy
  /// timeout): what it reads cannot change before it writes, and all of its writes commit or none.
  /// Within a transaction already open, `body` runs as part of it.
  package func writing<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    try connection.transaction(body)
  }

  /// A statement prepared on first use and kept for the connection's life.
  func cachedStatement(_ sql: String) throws(StoreError) -> Statement {
    if let s = statements[sql] { return s }
    let s = try connection.prepare(sql)
    statements[sql] = s
    return s
  }

  /// The id of a series, created on first sight. Another connection (another input of serve, a
  /// `check` from cron) may have created it first: the insert then does nothing and the id is read
  /// back. Ids learnt inside a transaction are remembered only once it commits
  /// (``rememberInterned()``): a rolled-back insert's id may be given to another series later.
  func seriesID(_ key: SeriesKey) throws(StoreError) -> Int64 {
    if let id = seriesIDs[key] ?? pendingSeriesIDs[key] { return id }
    let values: [SQLValue] = [
      .text(key.provider), .text(key.model), .text(key.app), .text(key.env), .text(key.endpoint),
    ]
    let insert = try cachedStatement(
      "INSERT INTO series(provider, model, app, env, endpoint) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
    try insert.bind(values)
    try insert.run()
    let id = try internedID(
      "SELECT id FROM series WHERE provider = ? AND model = ? AND app = ? AND env = ? AND endpoint = ?",
      values)
    pendingSeriesIDs[key] = id
    return id
  }

  /// The id of a source name, created on first sight (as ``seriesID(_:)``).
  func sourceID(_ name: String) throws(StoreError) -> Int64 {
    if let id = sourceIDs[name] ?? pendingSourceIDs[name] { return id }
    let insert = try cachedStatement("INSERT INTO sources(name) VALUES (?) ON CONFLICT DO NOTHING")
    try insert.bind([.text(name)])
    try insert.run()
    let id = try internedID("SELECT id FROM sources WHERE name = ?", [.text(name)])
    pendingSourceIDs[name] = id
    return id
  }

  private func internedID(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int64 {
    let select = try cachedStatement(sql)
    try select.bind(values)
    defer { select.reset() }
    guard try select.step() else { throw StoreError("database \(connection.path): an interned row vanished") }
    return select.int64(0)
  }

  /// Keeps the ids learnt by the transaction that just committed.
  func rememberInterned() {
    seriesIDs.merge(pendingSeriesIDs) { _, new in new }
    sourceIDs.merge(pendingSourceIDs) { _, new in new }
    forgetPendingInterned()
  }

  /// Drops the ids learnt by a transaction that rolled back.
  func forgetPendingInterned() {
    pendingSeriesIDs.removeAll(keepingCapacity: true)
    pendingSourceIDs.removeAll(keepingCapacity: true)
  }
}
