#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Calls on their way to the store, with their rollups: what one transaction writes.
///
/// Rows refer to their series by rollup slot and to their text (request ids, error types and
/// codes) by span of `text`, one buffer for the batch. Dimension values (provider, model, app,
/// env, endpoint) are interned per batch, so that a million lines of a few series make a few
/// strings. Rollups are counted as calls are added.
package struct CallBatch: Sendable {
  package private(set) var rows: [CallRow] = []
  /// Every row's text, back to back.
  package private(set) var text: [UInt8] = []
  /// Rollup keys and values, in first-seen order; a row's `slot` indexes them.
  package private(set) var rollupKeys: [RollupKey] = []
  package private(set) var rollupValues: [Rollup] = []
  /// The earliest and latest event time among the rows.
  package private(set) var minTimestampMs = Int64.max
  package private(set) var maxTimestampMs = Int64.min
  var slotKeys: [SlotKey] = []
  var slotIndex: [SlotKey: Int32] = [:]
  /// The slots used last, searched before the dictionary: lines of one bucket share a few series.
  var recent: [Int32] = []
  var dimensions = Dimensions()
  /// For each key path of the contract (by index + 1; 0 for a line's start), the key that came
  /// next last time: logs write their keys in one order, so the parser compares the key it
  /// expects in place instead of scanning and looking it up (``CallLogReader``).
  var nextKey = InlineArray<65, Int8>(repeating: -1)
  /// What the error codes and types of the batch's lines say, by their text.
  var errorSignals = ErrorSignals()

  /// A rollup's identity by interned dimension ids: cheap to hash and compare.
  struct SlotKey: Hashable {
    var bucketMs: Int64
    var provider: Int32, model: Int32, app: Int32, env: Int32, endpoint: Int32
  }

  /// `capacity` reserves room for that many calls, so that adding never regrows the rows.
  package init(capacity: Int = 0) {
    if capacity > 0 {
      rows.reserveCapacity(capacity)
      text.reserveCapacity(capacity * 24)
    }
  }

  /// The longest line the parser takes into a batch (1 GiB): text spans are 32-bit.
  package static let maxLineBytes = 1 << 30

  package var count: Int { rows.count }
  package var isEmpty: Bool { rows.isEmpty }

  // MARK: Adding

  /// The id of a dimension value, interned for this batch.
  @inline(__always) mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
    dimensions.id(of: bytes)
  }

  /// Appends text and returns its span.
  @inline(__always) mutating func appendText(_ bytes: UnsafeRawBufferPointer) -> TextSpan {
    let offset = Int32(text.count)
    text.append(contentsOf: bytes)
    return TextSpan(offset: offset, count: Int32(bytes.count))
  }

  mutating func appendText(_ s: String) -> TextSpan {
    var s = s
    return s.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
  }

  /// Drops text appended after `count` bytes (a line that failed half-way).
  mutating func truncateText(to count: Int) {
    if text.count > count { text.removeSubrange(count...) }
  }

  /// Adds a row whose series is given by dimension ids, counting it in its rollup. The row is
  /// taken in place (its `slot` set there): copies of its 180 bytes were 2% of parsing.
  mutating func add(
    _ row: inout CallRow, provider: Int32, model: Int32, app: Int32, env: Int32, endpoint: Int32
  ) {
    let key = SlotKey(
      bucketMs: RollupKey.bucket(of: row.timestampMs), provider: provider, model: model, app: app, env: env,
      endpoint: endpoint)
    var slot: Int32 = -1
    for s in recent where slotKeys[Int(s)] == key {
      slot = s
      break
    }
    if slot < 0 {
      if let found = slotIndex[key] {
        slot = found
      } else {
        slot = Int32(rollupKeys.count)
        slotIndex[key] = slot
        slotKeys.append(key)
        let d = dimensions
        rollupKeys.append(
          RollupKey(
            bucketMs: key.bucketMs,
            series: SeriesKey(
              provider: d.values[Int(provider)], model: d.values[Int(model)], app: d.values[Int(app)],
              env: d.values[Int(env)], endpoint: d.values[Int(endpoint)])))
        rollupValues.append(Rollup())
      }
      if recent.count >= 16 { recent.removeLast() }
      recent.insert(slot, at: 0)
    }
    row.slot = slot
    minTimestampMs = min(minTimestampMs, row.timestampMs)
    maxTimestampMs = max(maxTimestampMs, row.timestampMs)
    rollupValues[Int(slot)].add(row)
    rows.append(row)
  }

  /// Adds a call given as a record (OTLP, LiteLLM, generators, tests: every source but the line
  /// parser), after the checks the parser applies to a line's fields (``CallLimits``): a record
  /// with a value no call can have is refused, and nothing of it is counted.
  package mutating func add(_ record: CallRecord) throws(RejectReason) {
    try CallLimits.check(record)
    var row = CallRow()
    row.timestampMs = record.timestampMs
    row.status = Int16(record.status)
    row.statusClass = UInt8(record.statusClass.index)
    if record.isAuthFailure { row.flags.insert(.auth) }
    row.attempt = Int32(record.attempt)
    row.maxAttempts = Int32(record.maxAttempts ?? 0)
    if record.retriesExhausted { row.flags.insert(.exhausted) }
    CallRow.put(record.latencyMs, &row.latencyMs, .latency, &row.flags)
    CallRow.put(record.promptTokens, &row.promptTokens, .promptTokens, &row.flags)
    CallRow.put(record.completionTokens, &row.completionTokens, .completionTokens, &row.flags)
    CallRow.put(record.retryAfterS, &row.retryAfterS, .retryAfter, &row.flags)
    CallRow.put(
      record.rateLimitRemainingRequests, &row.rateLimitRemainingRequests, .rateLimitRequests, &row.flags)
    CallRow.put(record.rateLimitRemainingTokens, &row.rateLimitRemainingTokens, .rateLimitTokens, &row.flags)
    CallRow.put(record.rateLimitLimitRequests, &row.rateLimitLimitRequests, .limitRequests, &row.flags)
    CallRow.put(record.rateLimitLimitTokens, &row.rateLimitLimitTokens, .limitTokens, &row.flags)
    CallRow.put(record.rateLimitResetRequestsS, &row.rateLimitResetRequestsS, .resetRequests, &row.flags)
    CallRow.put(record.rateLimitResetTokensS, &row.rateLimitResetTokensS, .resetTokens, &row.flags)
    if let v = record.requestID { row.requestID = appendText(v) }
    if let v = record.errorType { row.errorType = appendText(v) }
    if let v = record.errorCode { row.errorCode = appendText(v) }
    if let v = record.finishReason { row.finishReason = appendText(v) }
    if let v = record.stream { row.flags.insert(v ? [.stream, .streamSaid] : .streamSaid) }
    CallRow.put(record.ttftMs, &row.ttftMs, .ttft, &row.flags)
    CallRow.put(record.errorAfterMs, &row.errorAfterMs, .errorAfter, &row.flags)
    CallRow.put(record.maxChunkGapMs, &row.maxChunkGapMs, .maxChunkGap, &row.flags)
    CallRow.put(record.outputTokensPartial, &row.outputTokensPartial, .outputTokensPartial, &row.flags)
    if let v = record.streamOutcome { row.streamOutcome = v.code }
    if let v = record.streamErrorType { row.streamErrorType = appendText(v) }
    if record.app != nil { row.flags.insert(.app) }
    if record.env != nil { row.flags.insert(.env) }
    if record.endpoint != nil { row.flags.insert(.endpoint) }
    add(
      &row, provider: dimensions.id(of: record.provider), model: dimensions.id(of: record.model),
      app: dimensions.id(of: record.app ?? ""), env: dimensions.id(of: record.env ?? ""),
      endpoint: dimensions.id(of: record.endpoint ?? ""))
  }

  // MARK: Reading

  /// The text of a span, or nil for a missing value.
  package func string(_ span: TextSpan) -> String? {
    guard !span.isNull else { return nil }
    return text.withUnsafeBufferPointer {
      String(
        decoding: UnsafeBufferPointer(rebasing: $0[Int(span.offset)..<Int(span.offset + span.count)]),
        as: UTF8.self)
    }
  }

  /// Row `k` as a record.
  package func record(at k: Int) -> CallRecord {
    let row = rows[k]
    let series = rollupKeys[Int(row.slot)].series
    let f = row.flags
    var record = CallRecord(
      timestampMs: row.timestampMs, status: Int(row.status), provider: series.provider, model: series.model,
      latencyMs: f.contains(.latency) ? row.latencyMs : nil, attempt: Int(row.attempt),
      maxAttempts: row.maxAttempts > 0 ? Int(row.maxAttempts) : nil, retriesExhausted: f.contains(.exhausted),
      errorType: string(row.errorType), errorCode: string(row.errorCode), requestID: string(row.requestID),
      retryAfterS: f.contains(.retryAfter) ? row.retryAfterS : nil,
      rateLimitRemainingRequests: f.contains(.rateLimitRequests) ? row.rateLimitRemainingRequests : nil,
      rateLimitRemainingTokens: f.contains(.rateLimitTokens) ? row.rateLimitRemainingTokens : nil,
      promptTokens: f.contains(.promptTokens) ? row.promptTokens : nil,
      completionTokens: f.contains(.completionTokens) ? row.completionTokens : nil,
      app: f.contains(.app) ? series.app : nil, env: f.contains(.env) ? series.env : nil,
      endpoint: f.contains(.endpoint) ? series.endpoint : nil, finishReason: string(row.finishReason))
    if f.contains(.limitRequests) { record.rateLimitLimitRequests = row.rateLimitLimitRequests }
    if f.contains(.limitTokens) { record.rateLimitLimitTokens = row.rateLimitLimitTokens }
    if f.contains(.resetRequests) { record.rateLimitResetRequestsS = row.rateLimitResetRequestsS }
    if f.contains(.resetTokens) { record.rateLimitResetTokensS = row.rateLimitResetTokensS }
    if f.contains(.streamSaid) { record.stream = f.contains(.stream) }
    if f.contains(.ttft) { record.ttftMs = row.ttftMs }
    if f.contains(.errorAfter) { record.errorAfterMs = row.errorAfterMs }
    if f.contains(.maxChunkGap) { record.maxChunkGapMs = row.maxChunkGapMs }
    if f.contains(.outputTokensPartial) { record.outputTokensPartial = row.outputTokensPartial }
    record.streamOutcome = StreamOutcome(code: row.streamOutcome)
    record.streamErrorType = string(row.streamErrorType)
    return record
  }

  /// Every row as a record (tests and small batches; the ingest path reads rows).
  package var records: [CallRecord] { rows.indices.map(record(at:)) }
}
