import CSQLite
import VigilCore

/// An error from the store, saying what failed and where, with SQLite's own words kept.
package struct StoreError: Error, CustomStringConvertible, Sendable {
  package var message: String
  /// SQLite's primary result code (`SQLITE_BUSY` is 5, `SQLITE_NOTADB` 26), or 0.
  package var code: Int32

  package init(_ message: String, code: Int32 = 0) {
    self.message = message
    self.code = code
  }

  package var description: String { message }

  /// The database is locked by another process (SQLITE_BUSY or SQLITE_LOCKED).
  package var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
}

/// A thin owner of one `sqlite3*` handle. Not thread-safe: one connection per thread or task.
package final class SQLiteConnection {
  let handle: OpaquePointer
  /// The file, for messages.
  package let path: String
  /// Rollbacks on this connection so far, whether asked for or SQLite's own (an error's): a
  /// reader that kept what a transaction wrote (``Store``'s mirror) lets go of it.
  package private(set) var rollbacks = 0

  /// Opens (creating if needed) the database at `path`; `":memory:"` for a private one.
  package init(path: String, readOnly: Bool = false, busyTimeoutMs: Int32 = VigilDefaults.busyTimeoutMs)
    throws(StoreError)
  {
    _ = Self.configured
    var db: OpaquePointer?
    let flags =
      readOnly
      ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
    let rc = sqlite3_open_v2(path, &db, flags, nil)
    guard rc == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      if let db { sqlite3_close_v2(db) }
      throw StoreError("cannot open database \(path): \(message)", code: rc)
    }
    handle = db
    self.path = path
    sqlite3_busy_timeout(db, busyTimeoutMs)
    sqlite3_extended_result_codes(db, 1)
    sqlite3_rollback_hook(
      db,
      { context in
        guard let context else { return }
        Unmanaged<SQLiteConnection>.fromOpaque(context).takeUnretainedValue().rollbacks += 1
      }, Unmanaged.passUnretained(self).toOpaque())
  }

  deinit {
    sqlite3_rollback_hook(handle, nil, nil)
    sqlite3_close_v2(handle)
  }

  /// Process-wide settings, applied once before the first connection: no memory statistics
  /// (they cost a global mutex on every allocation of every connection).
  static let configured: Void = { _ = csqlite_disable_memstatus() }()

  func error(_ rc: Int32, _ what: String) -> StoreError {
    let message = String(cString: sqlite3_errmsg(handle))
    let primary = rc & 0xFF
    if primary == SQLITE_NOTADB {
      return StoreError("\(path) is not a SQLite database (\(message))", code: rc)
    }
    if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
      return StoreError("database \(path) is locked by another process (\(what): \(message))", code: rc)
    }
    return StoreError("database \(path): \(what): \(message)", code: rc)
  }

  /// Runs one or more statements without results.
  package func execute(_ sql: String) throws(StoreError) {
    var err: UnsafeMutablePointer<CChar>?
    let rc = sqlite3_exec(handle, sql, nil, nil, &err)
    if let err { sqlite3_free(err) }
    guard rc == SQLITE_OK else { throw error(rc, "executing \(sql.prefix(60))") }
  }

  /// Prepares a statement for repeated use.
  package func prepare(_ sql: String) throws(StoreError) -> Statement {
    var stmt: OpaquePointer?
    let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
    guard rc == SQLITE_OK, let stmt else { throw error(rc, "preparing \(sql.prefix(60))") }
    return Statement(stmt, connection: self)
  }

  /// The rowid of the last insert.
  package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  package var changes: Int64 { Int64(sqlite3_changes(handle)) }

  /// Whether a transaction is open on this connection.
  package var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

  /// Runs `body` in a transaction (`BEGIN IMMEDIATE`: the write lock is taken first, waiting up to
  /// the busy timeout, so that what `body` reads cannot change before it writes). Within a
  /// transaction already open, `body` simply runs as part of it.
  package func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    try within("BEGIN IMMEDIATE", body, storeError: { $0 })
  }

  /// Runs `body` in one read transaction (`BEGIN DEFERRED`): its queries see one snapshot of the
  /// database, and the file is locked and checked once rather than once per statement. Inside a
  /// transaction already, `body` just runs in it.
  package func reading<T>(_ body: () throws -> T) throws -> T {
    try within("BEGIN DEFERRED", body, storeError: { $0 })
  }

  /// `body` between `begin` and COMMIT (ROLLBACK when it throws), or as part of the transaction
  /// already open; the connection's own errors as `body`'s error type.
  private func within<T, E: Error>(
    _ begin: String, _ body: () throws(E) -> T, storeError: (StoreError) -> E
  ) throws(E) -> T {
    if inTransaction { return try body() }
    do { try execute(begin) } catch { throw storeError(error) }
    do throws(E) {
      let result = try body()
      do { try execute("COMMIT") } catch { throw storeError(error) }
      return result
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  /// A single integer from a query, e.g. `SELECT count(*) FROM calls`.
  package func scalar(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int64? {
    let s = try prepare(sql)
    try s.bind(values)
    guard try s.step() else { return nil }
    return s.isNull(0) ? nil : s.int64(0)
  }
}

/// A zero-length C string for empty Swift strings, whose buffer may have no address.
nonisolated(unsafe) let emptyCString: UnsafePointer<CChar> = {
  let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
  p.pointee = 0
  return UnsafePointer(p)
}()

/// A value to bind.
package enum SQLValue: Sendable, Equatable {
  case int(Int64)
  case double(Double)
  case text(String)
  case blob([UInt8])
  case null
}

/// A prepared statement. Bind by 1-based index, step, read columns by 0-based index.
package final class Statement {
  let stmt: OpaquePointer
  let connection: SQLiteConnection

  init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
    self.stmt = stmt
    self.connection = connection
  }

  deinit { sqlite3_finalize(stmt) }

  @inline(__always) package func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
  @inline(__always) package func bind(_ i: Int32, _ v: Int64?) {
    if let v { sqlite3_bind_int64(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
  }
  @inline(__always) package func bind(_ i: Int32, _ v: Double?) {
    if let v { sqlite3_bind_double(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
  }
  /// A number as the `detail` JSON gives it back: an integer when it has no fraction (below
  /// 1e15), else a double (``StreamColumns/integral(_:)``), for columns without type affinity.
  @inline(__always) package func bind(_ i: Int32, number v: Double?) {
    guard let v else {
      sqlite3_bind_null(stmt, i)
      return
    }
    if let n = StreamColumns.integral(v) {
      sqlite3_bind_int64(stmt, i, n)
    } else {
      sqlite3_bind_double(stmt, i, v)
    }
  }
  @inline(__always) package func bind(_ i: Int32, _ v: String?) {
    guard let v else {
      sqlite3_bind_null(stmt, i)
      return
    }
    // Native strings are contiguous UTF-8: bind their bytes without a copy of the String.
    let done: Void? = v.utf8.withContiguousStorageIfAvailable { buf in
      buf.withMemoryRebound(to: CChar.self) { chars in
        _ = sqlite3_bind_text(
          stmt, i, chars.baseAddress ?? emptyCString, Int32(chars.count), csqlite_transient())
      }
    }
    if done == nil {
      var copy = v
      copy.withUTF8 { buf in
        buf.withMemoryRebound(to: CChar.self) { chars in
          _ = sqlite3_bind_text(
            stmt, i, chars.baseAddress ?? emptyCString, Int32(chars.count), csqlite_transient())
        }
      }
    }
  }
  /// Binds text that stays valid and unchanged until the statement is run (SQLITE_STATIC: no copy).
  @inline(__always) package func bind(_ i: Int32, staticText p: UnsafePointer<UInt8>?, count: Int) {
    guard let p else {
      sqlite3_bind_null(stmt, i)
      return
    }
    _ = p.withMemoryRebound(to: CChar.self, capacity: max(count, 1)) {
      sqlite3_bind_text(stmt, i, $0, Int32(count), nil)
    }
  }

  @inline(__always) package func bind(_ i: Int32, blob: [UInt8]) {
    blob.withUnsafeBytes { buf in
      _ = sqlite3_bind_blob(
        stmt, i, buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buf.count), csqlite_transient())
    }
  }

  package func bind(_ values: [SQLValue]) throws(StoreError) {
    for (k, v) in values.enumerated() {
      let i = Int32(k + 1)
      switch v {
      case .int(let x): bind(i, x)
      case .double(let x): bind(i, x)
      case .text(let x): bind(i, x)
      case .blob(let x): bind(i, blob: x)
      case .null: sqlite3_bind_null(stmt, i)
      }
    }
  }

  /// Steps once: `true` while a row is available.
  @discardableResult package func step() throws(StoreError) -> Bool {
    let rc = sqlite3_step(stmt)
    if rc == SQLITE_ROW { return true }
    if rc == SQLITE_DONE { return false }
    let error = connection.error(rc, "running \(String(cString: sqlite3_sql(stmt)).prefix(60))")
    sqlite3_reset(stmt)
    throw error
  }

  /// Steps to completion and resets, keeping nothing.
  @inline(__always) package func run() throws(StoreError) {
    let rc = sqlite3_step(stmt)
    sqlite3_reset(stmt)
    guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
      throw connection.error(rc, "running \(String(cString: sqlite3_sql(stmt)).prefix(60))")
    }
  }

  package func reset() { sqlite3_reset(stmt) }

  package func int64(_ c: Int32) -> Int64 { sqlite3_column_int64(stmt, c) }
  package func double(_ c: Int32) -> Double { sqlite3_column_double(stmt, c) }
  package func isNull(_ c: Int32) -> Bool { sqlite3_column_type(stmt, c) == SQLITE_NULL }
  /// A TEXT column, all of its bytes: a label may hold a NUL, and is stored whole, so it is read
  /// whole (by its length, not up to its first NUL).
  package func text(_ c: Int32) -> String? {
    guard let p = sqlite3_column_text(stmt, c) else { return nil }
    let n = Int(sqlite3_column_bytes(stmt, c))
    return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
  }
  /// The bytes of a BLOB column, valid until the next step.
  package func withBlob<T>(_ c: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
    let n = Int(sqlite3_column_bytes(stmt, c))
    return body(UnsafeRawBufferPointer(start: sqlite3_column_blob(stmt, c), count: n))
  }
}
