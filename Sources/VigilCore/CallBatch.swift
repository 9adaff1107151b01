#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A run of text in a ``CallBatch``'s `text` buffer; an offset of -1 is a missing value.
public struct TextSpan: Sendable, BitwiseCopyable, Equatable {
  public var offset: Int32
  public var count: Int32

  public static let null = TextSpan(offset: -1, count: 0)

  public init(offset: Int32, count: Int32) {
    self.offset = offset
    self.count = count
  }

  public var isNull: Bool { offset < 0 }
}

/// One call as the ingest path carries it: plain numbers and spans of the batch's text, with no
/// strings, so that making, copying and freeing a million of them costs no allocation and no
/// reference counting. The series is the batch's rollup slot (`slot`), whose key holds the names.
public struct CallRow: Sendable, BitwiseCopyable {
  public var timestampMs: Int64 = 0
  public var latencyMs: Double = 0
  public var promptTokens: Int64 = 0
  public var completionTokens: Int64 = 0
  public var retryAfterS: Double = 0
  public var rateLimitRemainingRequests: Int64 = 0
  public var rateLimitRemainingTokens: Int64 = 0
  public var requestID = TextSpan.null
  public var errorType = TextSpan.null
  public var errorCode = TextSpan.null
  public var attempt: Int32 = 1
  /// 0 when the line does not say.
  public var maxAttempts: Int32 = 0
  /// The call's rollup in the batch: an index in `rollupKeys`.
  public var slot: Int32 = 0
  public var status: Int16 = 0
  /// The ``StatusClass/index`` of the call's class.
  public var statusClass: UInt8 = 0
  public var flags = Flags()

  /// Which optional fields are present, and whether retries were exhausted.
  public struct Flags: OptionSet, Sendable, BitwiseCopyable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let exhausted = Flags(rawValue: 1)
    public static let latency = Flags(rawValue: 2)
    public static let promptTokens = Flags(rawValue: 4)
    public static let completionTokens = Flags(rawValue: 8)
    public static let retryAfter = Flags(rawValue: 16)
    public static let rateLimitRequests = Flags(rawValue: 32)
    public static let rateLimitTokens = Flags(rawValue: 64)
    /// The line named these dimensions (an absent one and an empty one are the same series).
    public static let app = Flags(rawValue: 128)
    public static let env = Flags(rawValue: 256)
    public static let endpoint = Flags(rawValue: 512)
  }

  public init() {}

  /// Sets an optional field: its value, and its flag when there is one.
  @inline(__always) static func put<T>(_ value: T?, _ field: inout T, _ flag: Flags, _ flags: inout Flags) {
    guard let value else { return }
    field = value
    flags.insert(flag)
  }

  /// Whether the line carries any of the rare fields the store keeps as `detail`.
  @inline(__always) public var hasDetail: Bool {
    !errorType.isNull || !errorCode.isNull
      || !flags.isDisjoint(with: [.retryAfter, .rateLimitRequests, .rateLimitTokens])
  }
}

/// Calls on their way to the store, with their rollups: what one transaction writes.
///
/// Rows refer to their series by rollup slot and to their text (request ids, error types and
/// codes) by span of `text`, one buffer for the batch. Dimension values (provider, model, app,
/// env, endpoint) are interned per batch, so that a million lines of a few series make a few
/// strings. Rollups are counted as calls are added.
public struct CallBatch: Sendable {
  public private(set) var rows: [CallRow] = []
  /// Every row's text, back to back.
  public private(set) var text: [UInt8] = []
  /// Rollup keys and values, in first-seen order; a row's `slot` indexes them.
  public private(set) var rollupKeys: [RollupKey] = []
  public private(set) var rollupValues: [Rollup] = []
  /// The earliest and latest event time among the rows.
  public private(set) var minTimestampMs = Int64.max
  public private(set) var maxTimestampMs = Int64.min
  var slotKeys: [SlotKey] = []
  var slotIndex: [SlotKey: Int32] = [:]
  /// The slots used last, searched before the dictionary: lines of one bucket share a few series.
  var recent: [Int32] = []
  var dimensions = Dimensions()

  /// A rollup's identity by interned dimension ids: cheap to hash and compare.
  struct SlotKey: Hashable {
    var bucketMs: Int64
    var provider: Int32, model: Int32, app: Int32, env: Int32, endpoint: Int32
  }

  /// `capacity` reserves room for that many calls, so that adding never regrows the rows.
  public init(capacity: Int = 0) {
    if capacity > 0 {
      rows.reserveCapacity(capacity)
      text.reserveCapacity(capacity * 24)
    }
  }

  /// The longest line the parser takes into a batch (1 GiB): text spans are 32-bit.
  public static let maxLineBytes = 1 << 30

  public var count: Int { rows.count }
  public var isEmpty: Bool { rows.isEmpty }

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

  /// Adds a row whose series is given by dimension ids, counting it in its rollup.
  mutating func add(
    _ row: CallRow, provider: Int32, model: Int32, app: Int32, env: Int32, endpoint: Int32
  ) {
    var row = row
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

  /// Adds a call given as a record (tests, generators, other sources than the parser).
  public mutating func add(_ record: CallRecord) {
    var row = CallRow()
    row.timestampMs = record.timestampMs
    row.status = Int16(clamping: record.status)
    row.statusClass = UInt8(record.statusClass.index)
    row.attempt = Int32(clamping: record.attempt)
    row.maxAttempts = Int32(clamping: record.maxAttempts ?? 0)
    if record.retriesExhausted { row.flags.insert(.exhausted) }
    CallRow.put(record.latencyMs, &row.latencyMs, .latency, &row.flags)
    CallRow.put(record.promptTokens, &row.promptTokens, .promptTokens, &row.flags)
    CallRow.put(record.completionTokens, &row.completionTokens, .completionTokens, &row.flags)
    CallRow.put(record.retryAfterS, &row.retryAfterS, .retryAfter, &row.flags)
    CallRow.put(
      record.rateLimitRemainingRequests, &row.rateLimitRemainingRequests, .rateLimitRequests, &row.flags)
    CallRow.put(record.rateLimitRemainingTokens, &row.rateLimitRemainingTokens, .rateLimitTokens, &row.flags)
    if let v = record.requestID { row.requestID = appendText(v) }
    if let v = record.errorType { row.errorType = appendText(v) }
    if let v = record.errorCode { row.errorCode = appendText(v) }
    if record.app != nil { row.flags.insert(.app) }
    if record.env != nil { row.flags.insert(.env) }
    if record.endpoint != nil { row.flags.insert(.endpoint) }
    add(
      row, provider: dimensions.id(of: record.provider), model: dimensions.id(of: record.model),
      app: dimensions.id(of: record.app ?? ""), env: dimensions.id(of: record.env ?? ""),
      endpoint: dimensions.id(of: record.endpoint ?? ""))
  }

  // MARK: Reading

  /// The text of a span, or nil for a missing value.
  public func string(_ span: TextSpan) -> String? {
    guard !span.isNull else { return nil }
    return text.withUnsafeBufferPointer {
      String(
        decoding: UnsafeBufferPointer(rebasing: $0[Int(span.offset)..<Int(span.offset + span.count)]),
        as: UTF8.self)
    }
  }

  /// Row `k` as a record.
  public func record(at k: Int) -> CallRecord {
    let row = rows[k]
    let series = rollupKeys[Int(row.slot)].series
    let f = row.flags
    return CallRecord(
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
      endpoint: f.contains(.endpoint) ? series.endpoint : nil)
  }

  /// Every row as a record (tests and small batches; the ingest path reads rows).
  public var records: [CallRecord] { rows.indices.map(record(at:)) }
}

/// Dimension values seen in a batch, each stored once and named by a small id. Ids 0 and 1 are
/// `unknown` and the empty string, the values of a missing provider or model and of a missing app,
/// env or endpoint.
struct Dimensions: Sendable {
  private(set) var values: [String] = []
  /// The bytes of every value, back to back, with each value's range.
  var bytes: [UInt8] = []
  var ranges: [(offset: Int32, count: Int32)] = []
  /// Open addressing: hash and id + 1 (0 is empty).
  var table = [(hash: UInt64, id: Int32)](repeating: (0, 0), count: 64)

  static let unknown: Int32 = 0
  static let empty: Int32 = 1

  init() {
    _ = id(of: CallRecord.unknown)
    _ = id(of: "")
  }

  mutating func id(of s: String) -> Int32 {
    var s = s
    return s.withUTF8 { id(of: UnsafeRawBufferPointer($0)) }
  }

  mutating func id(of value: UnsafeRawBufferPointer) -> Int32 {
    let hash = Self.hash(value)
    let mask = table.count - 1
    var i = Int(truncatingIfNeeded: hash) & mask
    while true {
      let entry = table[i]
      if entry.id == 0 { break }
      if entry.hash == hash, equal(Int(entry.id - 1), value) { return entry.id - 1 }
      i = (i + 1) & mask
    }
    let id = Int32(values.count)
    values.append(String(decoding: value, as: UTF8.self))
    ranges.append((Int32(bytes.count), Int32(value.count)))
    bytes.append(contentsOf: value)
    table[i] = (hash, id + 1)
    if values.count * 2 > table.count { grow() }
    return id
  }

  @inline(__always) func equal(_ id: Int, _ value: UnsafeRawBufferPointer) -> Bool {
    let r = ranges[id]
    guard Int(r.count) == value.count else { return false }
    return bytes.withUnsafeBufferPointer { stored in
      value.count == 0
        || sameBytes(
          stored.baseAddress! + Int(r.offset), value.baseAddress!.assumingMemoryBound(to: UInt8.self),
          value.count)
    }
  }

  mutating func grow() {
    var bigger = [(hash: UInt64, id: Int32)](repeating: (0, 0), count: table.count * 2)
    let mask = bigger.count - 1
    for entry in table where entry.id != 0 {
      var i = Int(truncatingIfNeeded: entry.hash) & mask
      while bigger[i].id != 0 { i = (i + 1) & mask }
      bigger[i] = entry
    }
    table = bigger
  }

  /// FNV-1a, eight bytes at a time, then the tail; mixed so that the low bits spread.
  @inline(__always) static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(b.count)
    var i = 0
    while i + 8 <= b.count {
      h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01b3
      i += 8
    }
    while i < b.count {
      h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01b3
      i += 1
    }
    return h ^ (h >> 29) ^ (h >> 47)
  }
}
