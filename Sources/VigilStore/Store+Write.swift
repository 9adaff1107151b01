import CSQLite
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

extension Store {
  /// Stores one batch in one transaction: calls, rollups (merged into what is stored), rejects,
  /// and the checkpoint. Either all of it is committed or none of it, so a crash between batches
  /// neither loses nor duplicates a line.
  package func write(_ batch: IngestBatch, nowMs: Int64 = WallClock.nowMs()) throws(StoreError) {
    beforeWrite?()
    defer { forgetPendingInterned() }
    try connection.transaction { () throws(StoreError) in
      // Series ids per rollup slot: one lookup per series and bucket, for calls and rollups alike.
      var series: [Int64] = []
      series.reserveCapacity(batch.calls.rollupKeys.count)
      for key in batch.calls.rollupKeys { series.append(try seriesID(key.series)) }
      try writeCalls(batch, seriesOfSlots: series)
      try mergeRollups(
        keys: batch.calls.rollupKeys, values: batch.calls.rollupValues, seriesOfSlots: series,
        blobs: batch.rollupsEncoded ? batch.rollupBlobs : nil)
      try mergeRequestCounts(
        keys: batch.calls.rollupKeys, values: batch.calls.rollupValues, seriesOfSlots: series)
      if let earliest = batch.calls.rollupKeys.lazy.map(\.bucketMs).min() {
        try noteRollupChange(from: earliest)
      }
      try writeRejects(batch.rejects, nowMs: nowMs)
      if let checkpoint = batch.checkpoint { try saveCheckpoint(checkpoint, nowMs: nowMs) }
    }
    if !connection.inTransaction { rememberInterned() }
  }

  func writeCalls(_ batch: IngestBatch, seriesOfSlots series: [Int64]) throws(StoreError) {
    guard !batch.calls.isEmpty else { return }
    var batch = batch
    if !batch.detailsEncoded { batch.encodeDetails() }
    let calls = batch.calls
    let source = try sourceID(batch.source)
    if insertCalls == nil {
      bulkRows = rowsPerInsert
      let columns =
        "ts, series, status, latency_ms, attempt, max_attempts, exhausted, request_id, prompt_tokens, completion_tokens, detail, stream, ttft_ms, max_chunk_gap_ms"
      let row = "(" + Array(repeating: "?", count: Self.callColumns).joined(separator: ", ") + ")"
      // Many rows per statement: one VDBE program run per `bulkRows` calls instead of per call.
      // OR FAIL: a statement of many rows that may abort half-way (a NOT NULL column) makes SQLite
      // keep a statement journal, a savepoint and a copy of every page it changes for each run,
      // to undo just that statement. Any failure here rolls back the whole batch's transaction,
      // so the journal never served; it was a tenth of the writing thread's work.
      insertCalls = try connection.prepare(
        "INSERT OR FAIL INTO calls(\(columns)) VALUES "
          + Array(repeating: row, count: bulkRows).joined(separator: ", "))
      insertCall = try connection.prepare("INSERT INTO calls(\(columns)) VALUES \(row)")
      bulkBound = BoundValues(count: bulkRows * Self.callColumns)
    }
    let firstID = (try connection.scalar("SELECT coalesce(max(id), 0) FROM calls") ?? 0) + 1
    let spans = batch.detailSpans
    // Parameters are bound only where they change (BoundValues): the bulk statement's since its
    // last run, the single row's since this batch's first.
    let bound = bulkBound
    try calls.text.withUnsafeBufferPointer { text throws(StoreError) in
      try batch.detailText.withUnsafeBufferPointer { detailText throws(StoreError) in
        try calls.rows.withUnsafeBufferPointer { rows throws(StoreError) in
          func bind(_ k: Int, to s: Statement, at i: Int32, _ b: BoundValues) {
            // Read in place: a copy of the row's 180 bytes was 1% of the writing thread's CPU.
            let r = rows.baseAddress! + k
            let f = r.pointee.flags
            b.bindVarying(s, i, r.pointee.timestampMs)
            b.bindVarying(s, i + 1, series[Int(r.pointee.slot)])
            b.bind(s, i + 2, Int64(r.pointee.status))
            b.bindVarying(s, i + 3, f.contains(.latency) ? r.pointee.latencyMs : nil)
            b.bind(s, i + 4, Int64(r.pointee.attempt))
            b.bind(s, i + 5, r.pointee.maxAttempts > 0 ? Int64(r.pointee.maxAttempts) : nil)
            b.bind(s, i + 6, f.contains(.exhausted) ? 1 : 0)
            let id = r.pointee.requestID
            b.bind(s, i + 7, staticText: id.pointer(in: text), count: Int(id.count))
            b.bindVarying(s, i + 8, f.contains(.promptTokens) ? r.pointee.promptTokens : nil)
            b.bindVarying(s, i + 9, f.contains(.completionTokens) ? r.pointee.completionTokens : nil)
            let d = spans[k]
            b.bind(s, i + 10, staticText: d.pointer(in: detailText), count: Int(d.count))
            // Schema 13: the stream fields most streams carry (StreamColumns).
            b.bind(s, i + 11, r.pointee.streamColumn)
            b.bindVarying(s, i + 12, number: f.contains(.ttft) ? r.pointee.ttftMs : nil)
            b.bindVarying(s, i + 13, number: f.contains(.maxChunkGap) ? r.pointee.maxChunkGapMs : nil)
          }
          var k = 0
          let bulk = insertCalls!
          let bulkRows = self.bulkRows
          while k + bulkRows <= rows.count {
            for j in 0..<bulkRows { bind(k + j, to: bulk, at: Int32(j * Self.callColumns + 1), bound) }
            try bulk.run()
            k += bulkRows
          }
          let single = insertCall!
          let singleBound = BoundValues(count: Self.callColumns)
          while k < rows.count {
            bind(k, to: single, at: 1, singleBound)
            try single.run()
            k += 1
          }
        }
      }
    }
    let chunk = try cachedStatement(
      "INSERT INTO chunks(first_call, last_call, min_ts, max_ts, source) VALUES (?, ?, ?, ?, ?)")
    let lastID = connection.lastInsertRowID
    // The rows got consecutive ids from firstID; should they not have, the batch is one chunk.
    let pieces =
      lastID == firstID + Int64(calls.rows.count) - 1
      ? (batch.prepared ? batch.pieces : Self.chunkPieces(calls.rows))
      : [(0, calls.rows.count - 1, calls.minTimestampMs, calls.maxTimestampMs)]
    for p in pieces {
      chunk.bind(1, firstID + Int64(p.first))
      chunk.bind(2, firstID + Int64(p.last))
      chunk.bind(3, p.minMs)
      chunk.bind(4, p.maxMs)
      chunk.bind(5, source)
      try chunk.run()
    }
  }

  /// The calls of the 10 s buckets that chunks hold together, at most.
  static let maxJoinedCalls = 1024

  /// A chunk of a batch's calls: its first and last row and their event-time range.
  typealias ChunkPiece = (first: Int, last: Int, minMs: Int64, maxMs: Int64)

  /// A batch's calls cut into chunks (first and last row, event-time range) where, in file order,
  /// they enter a later 10 s bucket: a bucket's run of calls is a chunk of its own, and runs are
  /// put together in one chunk only while it holds at most ``maxJoinedCalls``. A window that starts
  /// on a bucket then takes whole chunks as they are, and only a small chunk that straddles its
  /// start is counted call by call (``sourceActivity(fromMs:toMs:)``), not a batch of 50,000.
  static func chunkPieces(_ rows: [CallRow]) -> [ChunkPiece] {
    typealias Piece = ChunkPiece
    var out: [Piece] = []
    guard let head = rows.first else { return out }
    var chunk: Piece? = nil
    var run: Piece = (0, 0, head.timestampMs, head.timestampMs)
    var lastBucket = RollupKey.bucket(of: head.timestampMs)
    func close(_ run: Piece) {
      guard let c = chunk else {
        chunk = run
        return
      }
      if c.last - c.first + 1 + run.last - run.first + 1 > maxJoinedCalls {
        out.append(c)
        chunk = run
      } else {
        chunk = (c.first, run.last, min(c.minMs, run.minMs), max(c.maxMs, run.maxMs))
      }
    }
    for k in 1..<max(rows.count, 1) {
      let ts = rows[k].timestampMs
      let bucket = RollupKey.bucket(of: ts)
      if bucket > lastBucket {
        close(run)
        run = (k, k, ts, ts)
        lastBucket = bucket
      } else {
        run = (run.first, k, min(run.minMs, ts), max(run.maxMs, ts))
      }
    }
    close(run)
    if let chunk { out.append(chunk) }
    return out
  }

  /// `blobs`, when given, are the encoded columns of `values` (``IngestBatch/prepare()``): a
  /// bucket new to the store takes them as they are, one already stored is merged and encoded.
  func mergeRollups(keys: [RollupKey], values: [Rollup], seriesOfSlots: [Int64], blobs: [RollupBlobs]? = nil)
    throws(StoreError)
  {
    guard !keys.isEmpty else { return }
    let select = try connection.prepare(
      "SELECT \(Self.rollupColumns) FROM rollups WHERE bucket = ? AND series = ?")
    let upsert = try connection.prepare(
      """
      INSERT OR REPLACE INTO rollups(bucket, series, \(Self.rollupColumns))
      VALUES (?, ?, \(Self.rollupPlaceholders))
      """)
    for (slot, key) in keys.enumerated() {
      let series = seriesOfSlots[slot]
      var merged = values[slot]
      var encoded = blobs?[slot]
      select.bind(1, key.bucketMs)
      select.bind(2, series)
      if try select.step() {
        merged.merge(Self.readRollup(select, from: 0, codes: true))
        encoded = nil
      }
      select.reset()
      upsert.bind(1, key.bucketMs)
      upsert.bind(2, series)
      Self.bindRollup(merged, to: upsert, from: 3, blobs: encoded ?? RollupBlobs(merged))
      try upsert.run()
      if !values[slot].rateLimits.isEmpty {
        try mergeRateLimits(values[slot].rateLimits, bucketMs: key.bucketMs, series: series)
      }
    }
  }

  /// Adds a bucket's rate-limit fits to what `ratelimit_rollups` holds for it.
  func mergeRateLimits(_ fits: RateLimits, bucketMs: Int64, series: Int64) throws(StoreError) {
    var merged = fits
    let select = try cachedStatement("SELECT fits FROM ratelimit_rollups WHERE bucket = ? AND series = ?")
    select.bind(1, bucketMs)
    select.bind(2, series)
    if try select.step() { select.withBlob(0) { if let old = RateLimits(encoded: $0) { merged.merge(old) } } }
    select.reset()
    guard let blob = merged.encoded() else { return }
    let upsert = try cachedStatement(
      "INSERT OR REPLACE INTO ratelimit_rollups(bucket, series, fits) VALUES (?, ?, ?)")
    upsert.bind(1, bucketMs)
    upsert.bind(2, series)
    upsert.bind(3, blob: blob)
    try upsert.run()
  }

  /// Adds the batch's logical requests and unavailable ones to their minute and hour, per series:
  /// the tiers long windows (SLOs over hours and days) read.
  func mergeRequestCounts(keys: [RollupKey], values: [Rollup], seriesOfSlots: [Int64]) throws(StoreError) {
    var minutes: [RequestTierKey: RequestCounts] = [:]
    for (slot, key) in keys.enumerated() {
      let r = values[slot]
      guard
        r.requests > 0 || r.unavailable > 0 || r.count(of: .cancelled) > 0 || r.retryPending > 0
          || r.retries > 0
      else { continue }
      let minute = RequestTier.minute.start(of: key.bucketMs)
      minutes[RequestTierKey(start: minute, series: seriesOfSlots[slot]), default: RequestCounts()].add(r)
    }
    guard !minutes.isEmpty else { return }
    var hours: [RequestTierKey: RequestCounts] = [:]
    for (key, counts) in minutes {
      hours[
        RequestTierKey(start: RequestTier.hour.start(of: key.start), series: key.series),
        default: RequestCounts()
      ]
      .add(counts)
    }
    for (tier, entries) in [(RequestTier.minute, minutes), (.hour, hours)] {
      let upsert = try connection.prepare(
        """
        INSERT INTO \(tier.table)(\(tier.column), series, requests, unavailable, cancelled, pending, retries)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET requests = requests + excluded.requests,
          unavailable = unavailable + excluded.unavailable, cancelled = cancelled + excluded.cancelled,
          pending = pending + excluded.pending, retries = retries + excluded.retries
        """)
      for (key, counts) in entries {
        upsert.bind(1, key.start)
        upsert.bind(2, key.series)
        upsert.bind(3, counts.requests)
        upsert.bind(4, counts.unavailable)
        upsert.bind(5, counts.cancelled)
        upsert.bind(6, counts.pending)
        upsert.bind(7, counts.retries)
        try upsert.run()
      }
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
  package func prune(rawBeforeMs: Int64, rollupsBeforeMs: Int64) throws(StoreError) -> Int64 {
    try connection.transaction { () throws(StoreError) -> Int64 in
      let before = try connection.scalar("SELECT total_changes()") ?? 0
      try connection.execute(
        """
        DELETE FROM calls WHERE id IN (SELECT c.id FROM chunks k JOIN calls c ON c.id BETWEEN k.first_call AND k.last_call
          WHERE k.max_ts < \(rawBeforeMs));
        """)
      let deleted = (try connection.scalar("SELECT total_changes()") ?? 0) - before
      let beforeRollups = try connection.scalar("SELECT total_changes()") ?? 0
      try connection.execute(
        """
        DELETE FROM chunks WHERE max_ts < \(rawBeforeMs);
        DELETE FROM rejects WHERE at_ms < \(rawBeforeMs);
        DELETE FROM rollups WHERE bucket < \(rollupsBeforeMs);
        DELETE FROM ratelimit_rollups WHERE bucket < \(rollupsBeforeMs);
        DELETE FROM request_minutes WHERE minute < \(rollupsBeforeMs);
        DELETE FROM request_hours WHERE hour < \(rollupsBeforeMs);
        """)
      // Evaluations that keep what they read start again (only when this took something away).
      let after = try connection.scalar("SELECT total_changes()") ?? 0
      if deleted > 0 || after > beforeRollups { try noteRollupChange(from: .min) }
      return deleted
    }
  }

  static let rollupColumns =
    "attempts, requests, errors, s429, s5xx, auth, c_success, c_client, c_capacity, c_quota, c_server, c_network, exhausted, latency_sum, prompt_tokens, completion_tokens, failed_tokens, latency, retry_tokens, codes, unavailable, c_content_filter, c_context_length, c_cancelled, streams, stream_failures, stream_failure_classes, ttft, stream_latency, retry_pending, retries"

  /// One `?` per column of ``rollupColumns``.
  static let rollupPlaceholders = Array(
    repeating: "?", count: rollupColumns.split(separator: ",").count
  ).joined(separator: ", ")

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
    r.unavailable = s.int64(i + 20)
    // The classes added by schema 7 come last.
    for c in 6..<r.classes.count { r.classes[c] = s.int64(i + 21 + Int32(c - 6)) }
    // Schema 10: streams.
    r.streams = s.int64(i + 24)
    r.streamFailures = s.int64(i + 25)
    s.withBlob(i + 26) { _ = r.streamFailureClasses.merge(encoded: $0) }
    if latency {
      s.withBlob(i + 27) { _ = r.ttft.merge(encoded: $0) }
      s.withBlob(i + 28) { _ = r.streamLatency.merge(encoded: $0) }
    }
    // Schema 11: retries.
    r.retryPending = s.int64(i + 29)
    r.retries = s.int64(i + 30)
    return r
  }

}

extension TextSpan {
  /// Where the span starts in `arena`; nil for a NULL value.
  @inline(__always) func pointer(in arena: UnsafeBufferPointer<UInt8>) -> UnsafePointer<UInt8>? {
    guard !isNull else { return nil }
    // An empty string at the end of the buffer still needs a valid address.
    return count == 0 ? emptyText : arena.baseAddress! + Int(offset)
  }
}

/// A valid address for empty text.
nonisolated(unsafe) let emptyText: UnsafePointer<UInt8> = {
  let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
  p.pointee = 0
  return UnsafePointer(p)
}()
