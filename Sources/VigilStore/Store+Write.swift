import CSQLite
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

extension Store {
  /// Stores one batch in one transaction: calls, rollups (merged into what is stored), rejects,
  /// and the checkpoint. Either all of it is committed or none of it, so a crash between batches
  /// neither loses nor duplicates a line.
  public func write(_ batch: IngestBatch, nowMs: Int64 = Store.wallClockMs()) throws(StoreError) {
    try connection.transaction { () throws(StoreError) in
      try writeCalls(batch)
      try mergeRollups(keys: batch.rollupKeys, values: batch.rollupValues)
      try writeRejects(batch.rejects, nowMs: nowMs)
      if let checkpoint = batch.checkpoint { try saveCheckpoint(checkpoint, nowMs: nowMs) }
    }
  }

  func writeCalls(_ batch: IngestBatch) throws(StoreError) {
    guard !batch.records.isEmpty else { return }
    let source = try sourceID(batch.source)
    let columns =
      "ts, series, status, latency_ms, attempt, max_attempts, exhausted, request_id, prompt_tokens, completion_tokens, detail"
    let row = "(" + Array(repeating: "?", count: Self.callColumns).joined(separator: ", ") + ")"
    if insertCalls == nil {
      // Many rows per statement: one VDBE program run per 32 calls instead of per call.
      insertCalls = try connection.prepare(
        "INSERT INTO calls(\(columns)) VALUES "
          + Array(repeating: row, count: Self.rowsPerInsert).joined(separator: ", "))
      insertCall = try connection.prepare("INSERT INTO calls(\(columns)) VALUES \(row)")
    }
    var minTs = Int64.max
    var maxTs = Int64.min
    // Series ids per rollup slot: one lookup per series and bucket, not per call.
    var slotSeries = [Int64](repeating: -1, count: batch.rollupKeys.count)
    seriesOfRows.removeAll(keepingCapacity: true)
    seriesOfRows.append(contentsOf: repeatElement(0, count: batch.records.count))
    for k in 0..<batch.records.count {
      let slot = Int(batch.recordSlots[k])
      if slotSeries[slot] < 0 { slotSeries[slot] = try seriesID(batch.rollupKeys[slot].series) }
      seriesOfRows[k] = slotSeries[slot]
      let ts = batch.records[k].timestampMs
      minTs = min(minTs, ts)
      maxTs = max(maxTs, ts)
    }
    let firstID = (try connection.scalar("SELECT coalesce(max(id), 0) FROM calls") ?? 0) + 1
    // The request ids and details, back to back in one buffer that outlives the inserts, so
    // SQLite can take them without copying each one.
    text.bytes.removeAll(keepingCapacity: true)
    textSpans.removeAll(keepingCapacity: true)
    textSpans.append(contentsOf: repeatElement(.null, count: batch.records.count * 2))
    for k in 0..<batch.records.count {
      if let id = batch.records[k].requestID { textSpans[2 * k] = text.append(id) }
      if let d = Self.detail(of: batch.records[k]) { textSpans[2 * k + 1] = text.append(d) }
    }
    let (seriesOfRows, textSpans) = (self.seriesOfRows, self.textSpans)
    try text.bytes.withUnsafeBufferPointer { arena throws(StoreError) in
      try batch.records.withUnsafeBufferPointer { records throws(StoreError) in
        var k = 0
        let bulk = insertCalls!
        while k + Self.rowsPerInsert <= records.count {
          for j in 0..<Self.rowsPerInsert {
            Self.bindCall(
              records[k + j], series: seriesOfRows[k + j], id: textSpans[2 * (k + j)],
              detail: textSpans[2 * (k + j) + 1], arena: arena, to: bulk, at: Int32(j * Self.callColumns + 1))
          }
          try bulk.run()
          k += Self.rowsPerInsert
        }
        let single = insertCall!
        while k < records.count {
          Self.bindCall(
            records[k], series: seriesOfRows[k], id: textSpans[2 * k], detail: textSpans[2 * k + 1],
            arena: arena,
            to: single, at: 1)
          try single.run()
          k += 1
        }
      }
    }
    let chunk = try connection.prepare(
      "INSERT INTO chunks(first_call, last_call, min_ts, max_ts, source) VALUES (?, ?, ?, ?, ?)")
    try chunk.bind([.int(firstID), .int(connection.lastInsertRowID), .int(minTs), .int(maxTs), .int(source)])
    try chunk.run()
  }

  /// Binds one call's 11 columns starting at parameter `i`; its request id and detail are spans of
  /// `arena`.
  @inline(__always)
  static func bindCall(
    _ r: borrowing CallRecord, series: Int64, id: TextArena.Span, detail: TextArena.Span,
    arena: UnsafeBufferPointer<UInt8>, to s: Statement, at i: Int32
  ) {
    s.bind(i, r.timestampMs)
    s.bind(i + 1, series)
    s.bind(i + 2, Int64(r.status))
    s.bind(i + 3, r.latencyMs)
    s.bind(i + 4, Int64(r.attempt))
    s.bind(i + 5, r.maxAttempts.map(Int64.init))
    s.bind(i + 6, r.retriesExhausted ? 1 : 0)
    s.bind(i + 7, staticText: id.pointer(in: arena), count: Int(id.count))
    s.bind(i + 8, r.promptTokens)
    s.bind(i + 9, r.completionTokens)
    s.bind(i + 10, staticText: detail.pointer(in: arena), count: Int(detail.count))
  }

  /// The rare fields as a JSON object, or nil when the call has none of them.
  static func detail(of r: borrowing CallRecord) -> String? {
    guard
      r.errorType != nil || r.errorCode != nil || r.retryAfterS != nil || r.rateLimitRemainingRequests != nil
        || r.rateLimitRemainingTokens != nil
    else { return nil }
    var parts: [String] = []
    if let v = r.errorType { parts.append("\"error_type\":\(JSONText.quote(v))") }
    if let v = r.errorCode { parts.append("\"error_code\":\(JSONText.quote(v))") }
    if let v = r.retryAfterS { parts.append("\"retry_after_s\":\(JSONText.number(v))") }
    if let v = r.rateLimitRemainingRequests { parts.append("\"ratelimit_remaining_requests\":\(v)") }
    if let v = r.rateLimitRemainingTokens { parts.append("\"ratelimit_remaining_tokens\":\(v)") }
    return "{" + parts.joined(separator: ",") + "}"
  }

  func mergeRollups(keys: [RollupKey], values: [Rollup]) throws(StoreError) {
    guard !keys.isEmpty else { return }
    let select = try connection.prepare(
      "SELECT \(Self.rollupColumns) FROM rollups WHERE bucket = ? AND series = ?")
    let upsert = try connection.prepare(
      """
      INSERT OR REPLACE INTO rollups(bucket, series, \(Self.rollupColumns))
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """)
    for (key, fresh) in zip(keys, values) {
      let series = try seriesID(key.series)
      var merged = fresh
      select.bind(1, key.bucketMs)
      select.bind(2, series)
      if try select.step() { merged.merge(Self.readRollup(select, from: 0, codes: true)) }
      select.reset()
      upsert.bind(1, key.bucketMs)
      upsert.bind(2, series)
      Self.bindRollup(merged, to: upsert, from: 3)
      try upsert.run()
    }
  }

  func writeRejects(_ rejects: [Reject], nowMs: Int64) throws(StoreError) {
    guard !rejects.isEmpty else { return }
    let s = try connection.prepare(
      "INSERT INTO rejects(at_ms, source, offset, line_number, kind, reason, line) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    for r in rejects {
      try s.bind([
        .int(nowMs), .text(r.source), .int(r.offset), r.lineNumber.map(SQLValue.int) ?? .null,
        .text(r.reason.kind.rawValue), .text(r.reason.message), .text(r.line),
      ])
      try s.run()
    }
  }

  func saveCheckpoint(_ c: Checkpoint, nowMs: Int64) throws(StoreError) {
    let s = try connection.prepare(
      """
      INSERT OR REPLACE INTO checkpoints(fingerprint, path, device, inode, offset, line, updated_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      """)
    try s.bind([
      .text(c.fingerprint), .text(c.path), .int(Int64(bitPattern: c.device)),
      .int(Int64(bitPattern: c.inode)),
      .int(c.offset), .int(c.lineNumber), .int(nowMs),
    ])
    try s.run()
  }

  /// Deletes raw calls whose write chunk holds nothing newer than `rawBeforeMs`, and rollups of
  /// buckets older than `rollupsBeforeMs`; rejects go with the raw calls. Returns calls deleted.
  @discardableResult
  public func prune(rawBeforeMs: Int64, rollupsBeforeMs: Int64) throws(StoreError) -> Int64 {
    try connection.transaction { () throws(StoreError) -> Int64 in
      let before = try connection.scalar("SELECT total_changes()") ?? 0
      try connection.execute(
        """
        DELETE FROM calls WHERE id IN (SELECT c.id FROM chunks k JOIN calls c ON c.id BETWEEN k.first_call AND k.last_call
          WHERE k.max_ts < \(rawBeforeMs));
        """)
      let deleted = (try connection.scalar("SELECT total_changes()") ?? 0) - before
      try connection.execute(
        """
        DELETE FROM chunks WHERE max_ts < \(rawBeforeMs);
        DELETE FROM rejects WHERE at_ms < \(rawBeforeMs);
        DELETE FROM rollups WHERE bucket < \(rollupsBeforeMs);
        """)
      return deleted
    }
  }

  static let rollupColumns =
    "attempts, requests, errors, s429, s5xx, auth, c_success, c_client, c_capacity, c_quota, c_server, c_network, exhausted, latency_sum, prompt_tokens, completion_tokens, failed_tokens, latency, retry_tokens, codes"

  static func bindRollup(_ r: Rollup, to s: Statement, from i: Int32) {
    var ints: [Int64] = [r.attempts, r.requests, r.errors, r.status429, r.status5xx, r.auth]
    for c in 0..<6 { ints.append(r.classes[c]) }
    ints.append(r.exhausted)
    var k = i
    for v in ints {
      s.bind(k, v)
      k += 1
    }
    s.bind(k, r.latencySumMs)
    s.bind(k + 1, r.promptTokens)
    s.bind(k + 2, r.completionTokens)
    s.bind(k + 3, r.failedTokens)
    s.bind(k + 4, blob: r.latency.encoded())
    s.bind(k + 5, r.retryTokens)
    s.bind(k + 6, blob: r.codes.encoded())
  }

  /// A rollup from the columns of ``rollupColumns`` starting at `i`; the latency histogram and
  /// the status codes are decoded only when asked for.
  static func readRollup(_ s: Statement, from i: Int32, latency: Bool = true, codes: Bool = false) -> Rollup {
    var r = Rollup()
    r.attempts = s.int64(i)
    r.requests = s.int64(i + 1)
    r.errors = s.int64(i + 2)
    r.status429 = s.int64(i + 3)
    r.status5xx = s.int64(i + 4)
    r.auth = s.int64(i + 5)
    for c in 0..<6 { r.classes[c] = s.int64(i + 6 + Int32(c)) }
    r.exhausted = s.int64(i + 12)
    r.latencySumMs = s.double(i + 13)
    r.promptTokens = s.int64(i + 14)
    r.completionTokens = s.int64(i + 15)
    r.failedTokens = s.int64(i + 16)
    if latency { s.withBlob(i + 17) { _ = r.latency.merge(encoded: $0) } }
    r.retryTokens = s.int64(i + 18)
    if codes { s.withBlob(i + 19) { _ = r.codes.merge(encoded: $0) } }
    return r
  }

  /// Milliseconds since the epoch by the wall clock.
  public static func wallClockMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }
}

/// Strings back to back in one growing buffer, addressed by offset and length.
struct TextArena {
  var bytes: [UInt8] = []

  struct Span {
    var offset: Int32
    var count: Int32
    static let null = Span(offset: -1, count: 0)

    /// Where the span starts in `arena`; nil for a NULL value.
    @inline(__always) func pointer(in arena: UnsafeBufferPointer<UInt8>) -> UnsafePointer<UInt8>? {
      guard offset >= 0 else { return nil }
      // An empty string at the end of the buffer still needs a valid address.
      return count == 0 ? emptyText : arena.baseAddress! + Int(offset)
    }
  }

  init(capacity: Int) { bytes.reserveCapacity(max(capacity, 1)) }

  mutating func append(_ s: String) -> Span {
    let offset = Int32(bytes.count)
    bytes.append(contentsOf: s.utf8)
    return Span(offset: offset, count: Int32(bytes.count) - offset)
  }
}

/// A valid address for empty text.
nonisolated(unsafe) let emptyText: UnsafePointer<UInt8> = {
  let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
  p.pointee = 0
  return UnsafePointer(p)
}()
