#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a line was not turned into a ``CallRecord``.
public struct RejectReason: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable {
    /// Not JSON at all, or broken JSON.
    case syntax
    /// Valid JSON, but not an object.
    case notObject
    /// A required field is absent (or null).
    case missingField
    /// A known field holds a value of the wrong type or out of range.
    case badValue
    /// The line exceeds the configured length limit.
    case tooLong
    /// A line without its newline where none can follow (end of stdin, or a datagram cut short).
    case truncated
  }
  public var kind: Kind
  /// One line of explanation, e.g. `invalid JSON at column 17: expected ':'`.
  public var message: String

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { message }
}

/// A JSON Lines parser for the call-log contract, working on bytes.
///
/// It is a complete JSON parser: strings with every escape and `\u` surrogate pairs, UTF-8
/// validation, numbers in every JSON form, nested values (validated and skipped unless they hold a
/// known dotted field such as `{"http":{"response":{"status_code":429}}}`), duplicate keys (the
/// last one wins; a canonical name wins over its aliases), and insignificant whitespace.
///
/// ```swift
/// let parser = CallLogParser()
/// let record = try parser.parse(#"{"ts":"2026-11-25T13:32:04Z","status_code":503}"#)
/// ```
public struct CallLogParser: Sendable {
  /// Objects and arrays nested deeper than this are rejected (JSONSerialization's own limit is 512).
  public static let maxDepth = 512
  /// The most tokens one call may report (2^40, about 1.1 trillion): more is a forged or broken
  /// line, rejected, and sums of this many calls' tokens stay within 64 bits.
  public static let maxTokens: Int64 = 1 << 40
  /// The longest latency one call may report: a week, in milliseconds.
  public static let maxLatencyMs: Double = 604_800_000
  let keys: KeyPointers

  public init() { keys = KeyPointers(KeyTable.shared) }

  /// Parses one line (without its newline; a trailing `\r` is allowed as whitespace).
  public func parse(_ line: String) throws(RejectReason) -> CallRecord {
    var line = line
    let result: Result<CallRecord, RejectReason> = line.withUTF8 { buf in
      do throws(RejectReason) {
        return .success(try parse(UnsafeRawBufferPointer(buf)))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Parses one line given as bytes.
  public func parse(_ line: UnsafeRawBufferPointer) throws(RejectReason) -> CallRecord {
    var batch = CallBatch()
    try parse(line, into: &batch)
    return batch.record(at: 0)
  }

  /// Parses one line into `batch`: on success the call is added (and counted in its rollup); on
  /// failure the batch is as it was. This is the ingest path: no strings are made per line.
  public func parse(_ line: UnsafeRawBufferPointer, into batch: inout CallBatch) throws(RejectReason) {
    guard let base = line.baseAddress, line.count > 0 else {
      throw RejectReason(.syntax, "empty line")
    }
    // A batch addresses its text with 32-bit offsets; ingestion's own limit is far lower.
    guard line.count <= CallBatch.maxLineBytes else {
      throw RejectReason(.tooLong, "line of \(line.count) bytes is longer than \(CallBatch.maxLineBytes)")
    }
    let textBefore = batch.text.count
    do throws(RejectReason) {
      try withUnsafeMutablePointer(to: &batch) { pointer throws(RejectReason) in
        // Scalars are plain values: this memory needs no initialization and no cleanup. It is on
        // the stack while it takes at most 1 KiB (42 keys of 24 bytes); beyond that Swift asks the
        // thread for its stack bounds first, which costs an allocation per line.
        try withUnsafeTemporaryAllocation(of: Scalar.self, capacity: keys.keyCount) {
          values throws(RejectReason) in
          var reader = Reader(
            base: base.assumingMemoryBound(to: UInt8.self), count: line.count, keys: keys, batch: pointer,
            values: values.baseAddress!)
          try reader.parseRecord()
        }
      }
    } catch {
      batch.truncateText(to: textBefore)
      throw error
    }
  }
}

/// The fields of the contract, in slot order.
enum Field: Int, CaseIterable, Sendable {
  case ts, status, provider, model, latency, attempt, maxAttempts, exhausted, errorType, errorCode
  case requestID, retryAfter, rlRequests, rlTokens, promptTokens, completionTokens, app, env, endpoint

  /// The canonical name, for messages.
  var name: String {
    switch self {
    case .ts: "ts"
    case .status: "status"
    case .provider: "provider"
    case .model: "model"
    case .latency: "latency_ms"
    case .attempt: "attempt"
    case .maxAttempts: "max_attempts"
    case .exhausted: "retries_exhausted"
    case .errorType: "error_type"
    case .errorCode: "error_code"
    case .requestID: "request_id"
    case .retryAfter: "retry_after_s"
    case .rlRequests: "ratelimit_remaining_requests"
    case .rlTokens: "ratelimit_remaining_tokens"
    case .promptTokens: "prompt_tokens"
    case .completionTokens: "completion_tokens"
    case .app: "app"
    case .env: "env"
    case .endpoint: "endpoint"
    }
  }
}

/// How an alias's value converts to the canonical field.
enum Conversion: Sendable { case none, secondsToMs, plusOne }

/// One accepted key path: field, priority (0 = canonical, higher = later alias), conversion.
struct FieldKey: Sendable {
  let path: [UInt8]
  let field: Field
  let priority: UInt8
  let conversion: Conversion
}

/// Every key path of the contract, canonical names first. The table is the contract's.
let fieldKeys: [FieldKey] = {
  let spec: [(Field, [(String, Conversion)])] = [
    (.ts, [("ts", .none), ("timestamp", .none), ("time", .none), ("@timestamp", .none)]),
    (
      .status,
      [
        ("status", .none), ("status_code", .none), ("http_status", .none),
        ("http.response.status_code", .none),
      ]
    ),
    (.provider, [("provider", .none), ("gen_ai.provider.name", .none), ("gen_ai.system", .none)]),
    (.model, [("model", .none), ("gen_ai.request.model", .none)]),
    (
      .latency,
      [
        ("latency_ms", .none), ("duration_ms", .none), ("elapsed_ms", .none), ("latency_s", .secondsToMs),
        ("duration_s", .secondsToMs),
      ]
    ),
    (.attempt, [("attempt", .none), ("http.request.resend_count", .plusOne)]),
    (.maxAttempts, [("max_attempts", .none), ("max_retries", .plusOne)]),
    (.exhausted, [("retries_exhausted", .none), ("gave_up", .none)]),
    (.errorType, [("error_type", .none), ("error.type", .none)]),
    (.errorCode, [("error_code", .none), ("code", .none), ("error.code", .none)]),
    (.requestID, [("request_id", .none), ("x_request_id", .none)]),
    (.retryAfter, [("retry_after_s", .none), ("retry_after", .none)]),
    (.rlRequests, [("ratelimit_remaining_requests", .none)]),
    (.rlTokens, [("ratelimit_remaining_tokens", .none)]),
    (.promptTokens, [("prompt_tokens", .none), ("gen_ai.usage.input_tokens", .none)]),
    (.completionTokens, [("completion_tokens", .none), ("gen_ai.usage.output_tokens", .none)]),
    (.app, [("app", .none)]),
    (.env, [("env", .none)]),
    (.endpoint, [("endpoint", .none)]),
  ]
  return spec.flatMap { field, names in
    names.enumerated().map {
      FieldKey(path: Array($1.0.utf8), field: field, priority: UInt8($0), conversion: $1.1)
    }
  }
}()

/// Object keys under which nested objects may hold fields (`{"http":{"response":{...}}}`).
let nestedPrefixes: [[UInt8]] = {
  var prefixes = Set<[UInt8]>()
  for key in fieldKeys {
    for (i, byte) in key.path.enumerated() where byte == UInt8(ascii: ".") {
      prefixes.insert(Array(key.path[..<i]))
    }
  }
  return Array(prefixes)
}()

/// Key lookup by length, then bytes: no hashing and no reference counting on the hot path.
/// Built once and never freed; immutable after construction.
final class KeyTable: @unchecked Sendable {
  struct Entry {
    var offset: Int
    var length: Int
    /// Index in `fieldKeys`, or -1 for a nested prefix.
    var index: Int
  }
  /// Every key path's bytes, one after another.
  let bytes: UnsafeMutablePointer<UInt8>
  /// Entries ordered by length; `firstByLength[n]..<firstByLength[n + 1]` have length n.
  let entries: UnsafeMutablePointer<Entry>
  let firstByLength: UnsafeMutablePointer<Int>
  let maxLength = 64
  /// The fields, resolved once, so the hot path never touches a global or a reference count.
  let keys: UnsafeMutablePointer<KeyInfo>
  let keyCount: Int
  /// 1e0 through 1e22, each exact in a Double.
  let powersOfTen: UnsafeMutablePointer<Double>

  static let shared = KeyTable()

  init() {
    var all: [(path: [UInt8], index: Int)] = fieldKeys.enumerated().map { ($1.path, $0) }
    all += nestedPrefixes.map { ($0, -1) }
    // By length; within a length, canonical names first (they are the common ones).
    let priority = { (index: Int) in index >= 0 ? Int(fieldKeys[index].priority) : 99 }
    all.sort { ($0.path.count, priority($0.index)) < ($1.path.count, priority($1.index)) }
    let total = all.reduce(0) { $0 + $1.path.count }
    bytes = .allocate(capacity: max(total, 1))
    entries = .allocate(capacity: all.count)
    firstByLength = .allocate(capacity: maxLength + 2)
    var offset = 0
    for (k, item) in all.enumerated() {
      for (j, b) in item.path.enumerated() { bytes[offset + j] = b }
      entries[k] = Entry(offset: offset, length: item.path.count, index: item.index)
      offset += item.path.count
    }
    var k = 0
    for length in 0...(maxLength + 1) {
      while k < all.count && all[k].path.count < length { k += 1 }
      firstByLength[length] = k
    }
    keyCount = fieldKeys.count
    precondition(keyCount <= Reader.maxKeys, "one bit of Reader.present per key path")
    keys = .allocate(capacity: keyCount)
    keys.initialize(
      from: fieldKeys.enumerated().map { KeyInfo(field: $1.field, conversion: $1.conversion, index: $0) },
      count: keyCount)
    let exact: [Double] = [
      1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
      1e19,
      1e20, 1e21, 1e22,
    ]
    powersOfTen = .allocate(capacity: exact.count)
    powersOfTen.initialize(from: exact, count: exact.count)
  }

}

/// What the hot path needs of a key path: a trivial value, copied without reference counting.
struct KeyInfo {
  let field: Field
  let conversion: Conversion
  /// Index in `fieldKeys`, for the key's name in messages.
  let index: Int
  var path: [UInt8] { fieldKeys[index].path }
}

/// The key table's storage as plain pointers, so parsers on several threads read it without
/// touching (and contending on) its reference count. The table is never freed.
struct KeyPointers: @unchecked Sendable {
  let entries: UnsafeMutablePointer<KeyTable.Entry>
  let bytes: UnsafeMutablePointer<UInt8>
  let firstByLength: UnsafeMutablePointer<Int>
  let maxLength: Int
  let keys: UnsafeMutablePointer<KeyInfo>
  let keyCount: Int
  let powersOfTen: UnsafeMutablePointer<Double>

  init(_ t: KeyTable) {
    entries = t.entries
    bytes = t.bytes
    firstByLength = t.firstByLength
    maxLength = t.maxLength
    keys = t.keys
    keyCount = t.keyCount
    powersOfTen = t.powersOfTen
  }

  /// The index in `fieldKeys` of a key path, -1 for a nested prefix, nil when unknown.
  @inline(__always) func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    guard n > 0, n <= maxLength else { return nil }
    var k = firstByLength[n]
    let end = firstByLength[n + 1]
    let first = p[0]
    let last = p[n - 1]
    while k < end {
      let e = entries[k]
      let q = bytes + e.offset
      // Most candidates differ in their first or last byte: test those before the whole key.
      guard q[0] == first, q[n - 1] == last else {
        k += 1
        continue
      }
      if sameBytes(p, q, n) { return e.index }
      k += 1
    }
    return nil
  }
}

/// Whether `n` bytes at `a` and `b` are equal, a word at a time: the last word overlaps the one
/// before it rather than going byte by byte. For the short keys and names of call logs this is
/// several times cheaper than a call to `memcmp`.
@inline(__always) func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
  let x = UnsafeRawPointer(a)
  let y = UnsafeRawPointer(b)
  if n >= 8 {
    var j = 0
    while j + 8 < n {
      if x.loadUnaligned(fromByteOffset: j, as: UInt64.self)
        != y.loadUnaligned(fromByteOffset: j, as: UInt64.self)
      {
        return false
      }
      j += 8
    }
    return x.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
      == y.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
  }
  if n >= 4 {
    return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
      && x.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        == y.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
  }
  for j in 0..<n where a[j] != b[j] { return false }
  return true
}

/// A JSON value as far as the record needs it.
enum Scalar {
  case string(start: Int, end: Int, escaped: Bool)
  case integer(Int64)
  case double(Double)
  case bool(Bool)
  case null
  case object
  case array

  var typeName: String {
    switch self {
    case .string: "a string"
    case .integer, .double: "a number"
    case .bool: "a boolean"
    case .null: "null"
    case .object: "an object"
    case .array: "an array"
    }
  }
}

struct Reader {
  let p: UnsafePointer<UInt8>
  let n: Int
  var i = 0
  let keys: KeyPointers
  /// Where the call goes: its text and dimension values are added as they are converted.
  let batch: UnsafeMutablePointer<CallBatch>
  /// Scratch for unescaped strings and dotted key paths.
  var scratch: [UInt8] = []

  /// The last value of each key path of `fieldKeys` (the last duplicate wins), scanned once;
  /// fields are resolved from these at the end, so that a canonical name beats an alias in any
  /// order. Only the entries whose bit is set in `present` are initialized.
  let values: UnsafeMutablePointer<Scalar>
  var present: UInt64 = 0
  /// Key paths `values` has room for.
  static let maxKeys = 64

  init(
    base: UnsafePointer<UInt8>, count: Int, keys: KeyPointers, batch: UnsafeMutablePointer<CallBatch>,
    values: UnsafeMutablePointer<Scalar>
  ) {
    p = base
    n = count
    self.keys = keys
    self.batch = batch
    self.values = values
  }

  // MARK: Errors

  func syntax(_ what: String) -> RejectReason {
    if i >= n { return RejectReason(.syntax, "invalid JSON: unexpected end of line, \(what)") }
    return RejectReason(.syntax, "invalid JSON at column \(i + 1): \(what)")
  }

  // MARK: Lexing

  @inline(__always) mutating func skipWhitespace() {
    while i < n {
      let c = p[i]
      // Most of the time the next byte is a token: one comparison says so.
      guard c <= 32, c == 32 || c == 9 || c == 13 || c == 10 else { return }
      i += 1
    }
  }

  /// Scans a string whose opening quote is at `i`; returns the content range and whether it has
  /// escapes. Validates escapes and UTF-8.
  mutating func scanString() throws(RejectReason) -> (Int, Int, Bool) {
    i += 1
    let start = i
    var escaped = false
    while true {
      // Fast path over plain ASCII, eight bytes at a time: stop at the first word holding a quote,
      // a backslash, a control character or a non-ASCII byte (the classic has-zero-byte tricks).
      while i + 8 <= n {
        let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 34)
        let backslash = w ^ (ones &* 92)
        let special =
          ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (w &- (ones &* 32)) | w
        let hits = special & highs
        if hits != 0 {
          // The lowest flagged byte is a real one (false positives only sit above a real one).
          i += hits.trailingZeroBitCount >> 3
          break
        }
        i += 8
      }
      while i < n {
        let c = p[i]
        if c == 34 || c == 92 || c < 32 || c >= 128 { break }
        i += 1
      }
      guard i < n else { throw syntax("unterminated string") }
      let c = p[i]
      if c == 34 {
        i += 1
        return (start, i - 1, escaped)
      } else if c == 92 {
        escaped = true
        guard i + 1 < n else {
          i += 1
          throw syntax("unterminated string")
        }
        switch p[i + 1] {
        case 34, 92, 47, 98, 102, 110, 114, 116: i += 2
        case 117:
          let unit = try hex4(at: i + 2)
          i += 6
          if unit >= 0xD800 && unit <= 0xDBFF {
            guard i + 1 < n, p[i] == 92, p[i + 1] == 117 else {
              throw syntax("unpaired surrogate in \\u escape")
            }
            let low = try hex4(at: i + 2)
            guard low >= 0xDC00 && low <= 0xDFFF else { throw syntax("unpaired surrogate in \\u escape") }
            i += 6
          } else if unit >= 0xDC00 && unit <= 0xDFFF {
            i -= 6
            throw syntax("unpaired surrogate in \\u escape")
          }
        default:
          i += 1
          throw syntax("invalid escape in string")
        }
      } else if c < 32 {
        throw syntax("control character in string")
      } else {
        try scanUTF8()
      }
    }
  }

  @inline(__always) func hex4(at k: Int) throws(RejectReason) -> UInt32 {
    guard k + 4 <= n else {
      throw RejectReason(.syntax, "invalid JSON: unexpected end of line in \\u escape")
    }
    var v: UInt32 = 0
    for j in k..<k + 4 {
      let c = p[j]
      let d: UInt8
      switch c {
      case 48...57: d = c - 48
      case 65...70: d = c - 55
      case 97...102: d = c - 87
      default: throw RejectReason(.syntax, "invalid JSON at column \(j + 1): invalid \\u escape")
      }
      v = v << 4 | UInt32(d)
    }
    return v
  }

  /// Validates one multi-byte UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates).
  mutating func scanUTF8() throws(RejectReason) {
    let c = p[i]
    let bad = RejectReason(.syntax, "invalid UTF-8 at column \(i + 1)")
    @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
      k < n && p[k] >= lo && p[k] <= hi
    }
    switch c {
    case 0xC2...0xDF:
      guard cont(i + 1) else { throw bad }
      i += 2
    case 0xE0:
      guard cont(i + 1, 0xA0), cont(i + 2) else { throw bad }
      i += 3
    case 0xE1...0xEC, 0xEE...0xEF:
      guard cont(i + 1), cont(i + 2) else { throw bad }
      i += 3
    case 0xED:
      guard cont(i + 1, 0x80, 0x9F), cont(i + 2) else { throw bad }
      i += 3
    case 0xF0:
      guard cont(i + 1, 0x90), cont(i + 2), cont(i + 3) else { throw bad }
      i += 4
    case 0xF1...0xF3:
      guard cont(i + 1), cont(i + 2), cont(i + 3) else { throw bad }
      i += 4
    case 0xF4:
      guard cont(i + 1, 0x80, 0x8F), cont(i + 2), cont(i + 3) else { throw bad }
      i += 4
    default: throw bad
    }
  }

  /// Decodes the content of a string with escapes into `scratch`.
  mutating func unescape(_ start: Int, _ end: Int) {
    scratch.removeAll(keepingCapacity: true)
    var k = start
    while k < end {
      let c = p[k]
      if c != 92 {
        scratch.append(c)
        k += 1
        continue
      }
      let e = p[k + 1]
      k += 2
      switch e {
      case 98: scratch.append(8)
      case 102: scratch.append(12)
      case 110: scratch.append(10)
      case 114: scratch.append(13)
      case 116: scratch.append(9)
      case 117:
        var scalar = (try? hex4(at: k)) ?? 0xFFFD
        k += 4
        if scalar >= 0xD800 && scalar <= 0xDBFF {
          let low = (try? hex4(at: k + 2)) ?? 0xDC00
          k += 6
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        appendUTF8(scalar)
      default: scratch.append(e)  // " \ /
      }
    }
  }

  mutating func appendUTF8(_ v: UInt32) {
    switch v {
    case 0..<0x80: scratch.append(UInt8(v))
    case 0x80..<0x800:
      scratch.append(UInt8(0xC0 | v >> 6))
      scratch.append(UInt8(0x80 | v & 0x3F))
    case 0x800..<0x10000:
      scratch.append(UInt8(0xE0 | v >> 12))
      scratch.append(UInt8(0x80 | v >> 6 & 0x3F))
      scratch.append(UInt8(0x80 | v & 0x3F))
    default:
      scratch.append(UInt8(0xF0 | v >> 18))
      scratch.append(UInt8(0x80 | v >> 12 & 0x3F))
      scratch.append(UInt8(0x80 | v >> 6 & 0x3F))
      scratch.append(UInt8(0x80 | v & 0x3F))
    }
  }

  /// Scans a JSON number at `i` by the grammar of RFC 8259 and converts it.
  mutating func scanNumber() throws(RejectReason) -> Scalar {
    let start = i
    var negative = false
    if p[i] == 45 {
      negative = true
      i += 1
    }
    guard i < n, p[i] >= 48 && p[i] <= 57 else { throw syntax("invalid number") }
    var value: Int64 = 0
    var digitCount = 0
    if p[i] == 48 {
      i += 1
      digitCount = 1
    } else {
      while i < n, p[i] >= 48 && p[i] <= 57 {
        if digitCount < 18 { value = value &* 10 &+ Int64(p[i] - 48) }
        digitCount += 1
        i += 1
      }
    }
    var isInteger = true
    if i < n, p[i] == 46 {
      isInteger = false
      i += 1
      guard i < n, p[i] >= 48 && p[i] <= 57 else { throw syntax("invalid number: digit expected after '.'") }
      while i < n, p[i] >= 48 && p[i] <= 57 { i += 1 }
    }
    if i < n, p[i] == 101 || p[i] == 69 {
      isInteger = false
      i += 1
      if i < n, p[i] == 43 || p[i] == 45 { i += 1 }
      guard i < n, p[i] >= 48 && p[i] <= 57 else {
        throw syntax("invalid number: digit expected in exponent")
      }
      while i < n, p[i] >= 48 && p[i] <= 57 { i += 1 }
    }
    if isInteger && digitCount <= 18 { return .integer(negative ? -value : value) }
    if let fast = fastDecimal(start) { return .double(fast) }
    // Slow path: exact conversion of any other form by the C library.
    let length = i - start
    let d: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buf in
      let base = buf.baseAddress!
      UnsafeMutableRawPointer(base).copyMemory(from: p + start, byteCount: length)
      base[length] = 0
      return strtod(base, nil)
    }
    // The grammar allows 1e400; a Double does not, and neither does JSONSerialization.
    guard d.isFinite else {
      i = start
      throw syntax("number out of range")
    }
    return .double(d)
  }

  /// Plain decimals such as `1679.9`: at most 15 significant digits and 22 fraction digits give an
  /// exact mantissa and an exact power of ten, so one division is correctly rounded (Clinger's fast
  /// path) and agrees with strtod. Other forms return nil.
  func fastDecimal(_ start: Int) -> Double? {
    var k = start
    let negative = p[k] == 45
    if negative { k += 1 }
    var mantissa: Int64 = 0
    var digits = 0
    var fraction = 0
    var seenDot = false
    while k < i {
      let c = p[k]
      if c == 46 {
        seenDot = true
      } else if c >= 48 && c <= 57 {
        if digits > 0 || c != 48 { digits += 1 }
        mantissa = mantissa * 10 + Int64(c - 48)
        if seenDot { fraction += 1 }
        if digits > 15 || fraction > 22 { return nil }
      } else {
        return nil  // exponent: leave it to strtod
      }
      k += 1
    }
    let value = Double(mantissa) / keys.powersOfTen[fraction]
    return negative ? -value : value
  }

  /// Validates and skips any value at `i` (after whitespace), for values no field needs.
  mutating func skipValue(depth: Int) throws(RejectReason) {
    guard depth < CallLogParser.maxDepth else { throw syntax("nested too deeply") }
    guard i < n else { throw syntax("value expected") }
    switch p[i] {
    case 34: _ = try scanString()
    case 123:
      i += 1
      skipWhitespace()
      if i < n, p[i] == 125 {
        i += 1
        return
      }
      while true {
        skipWhitespace()
        guard i < n, p[i] == 34 else { throw syntax("expected '\"' to start a key") }
        _ = try scanString()
        skipWhitespace()
        guard i < n, p[i] == 58 else { throw syntax("expected ':'") }
        i += 1
        skipWhitespace()
        try skipValue(depth: depth + 1)
        skipWhitespace()
        guard i < n else { throw syntax("expected ',' or '}'") }
        if p[i] == 44 {
          i += 1
          continue
        }
        guard p[i] == 125 else { throw syntax("expected ',' or '}'") }
        i += 1
        return
      }
    case 91:
      i += 1
      skipWhitespace()
      if i < n, p[i] == 93 {
        i += 1
        return
      }
      while true {
        skipWhitespace()
        try skipValue(depth: depth + 1)
        skipWhitespace()
        guard i < n else { throw syntax("expected ',' or ']'") }
        if p[i] == 44 {
          i += 1
          continue
        }
        guard p[i] == 93 else { throw syntax("expected ',' or ']'") }
        i += 1
        return
      }
    case 45, 48...57: try skipNumber()
    default: _ = try scanScalar()
    }
  }

  /// Validates a number that no field needs. Only forms that could overflow a Double (an exponent,
  /// or very many digits) are converted, to refuse them as the parser refuses every such number.
  mutating func skipNumber() throws(RejectReason) {
    let start = i
    if p[i] == 45 { i += 1 }
    guard i < n, p[i] >= 48 && p[i] <= 57 else { throw syntax("invalid number") }
    if p[i] == 48 {
      i += 1
    } else {
      while i < n, p[i] >= 48 && p[i] <= 57 { i += 1 }
    }
    if i < n, p[i] == 46 {
      i += 1
      guard i < n, p[i] >= 48 && p[i] <= 57 else { throw syntax("invalid number: digit expected after '.'") }
      while i < n, p[i] >= 48 && p[i] <= 57 { i += 1 }
    }
    if (i < n && (p[i] == 101 || p[i] == 69)) || i - start > 300 {
      i = start
      _ = try scanNumber()
    }
  }

  /// Scans a value at `i`; objects and arrays are reported by kind, not consumed.
  mutating func scanScalar() throws(RejectReason) -> Scalar {
    guard i < n else { throw syntax("value expected") }
    switch p[i] {
    case 34:
      let (s, e, esc) = try scanString()
      return .string(start: s, end: e, escaped: esc)
    case 45, 48...57: return try scanNumber()
    case 116:
      try literal("true")
      return .bool(true)
    case 102:
      try literal("false")
      return .bool(false)
    case 110:
      try literal("null")
      return .null
    case 123: return .object
    case 91: return .array
    default: throw syntax("unexpected character")
    }
  }

  mutating func literal(_ word: StaticString) throws(RejectReason) {
    let len = word.utf8CodeUnitCount
    guard i + len <= n, memcmp(p + i, word.utf8Start, len) == 0 else { throw syntax("invalid literal") }
    i += len
  }

  // MARK: The record

  mutating func parseRecord() throws(RejectReason) {
    skipWhitespace()
    guard i < n else { throw RejectReason(.syntax, "empty line") }
    guard p[i] == 123 else {
      let value = try scanScalar()
      if case .array = value { try skipValue(depth: 0) }
      skipWhitespace()
      guard i == n else { throw syntax("unexpected characters after the value") }
      throw RejectReason(.notObject, "not a JSON object: the line is \(value.typeName)")
    }
    var path: [UInt8] = []
    try parseObject(prefix: &path, depth: 0)
    skipWhitespace()
    guard i == n else { throw syntax("unexpected characters after the object") }
    try finish()
  }

  /// Parses the object at `i`; keys are matched with `prefix` (a dotted path) in front.
  mutating func parseObject(prefix: inout [UInt8], depth: Int) throws(RejectReason) {
    guard depth < CallLogParser.maxDepth else { throw syntax("nested too deeply") }
    i += 1
    skipWhitespace()
    if i < n, p[i] == 125 {
      i += 1
      return
    }
    while true {
      skipWhitespace()
      guard i < n, p[i] == 34 else { throw syntax("expected '\"' to start a key") }
      let (ks, ke, kesc) = try scanString()
      skipWhitespace()
      guard i < n, p[i] == 58 else { throw syntax("expected ':'") }
      i += 1
      skipWhitespace()
      // Resolve the key to a field, a nested prefix, or nothing.
      var fieldIndex: Int?
      var nested = false
      if prefix.isEmpty && !kesc {
        if let found = keys.lookup(p + ks, ke - ks) {
          if found >= 0 { fieldIndex = found } else { nested = i < n && p[i] == 123 }
        }
      } else {
        var full = prefix
        if !full.isEmpty { full.append(46) }
        if kesc {
          unescape(ks, ke)
          full.append(contentsOf: scratch)
        } else {
          full.append(contentsOf: UnsafeBufferPointer(start: p + ks, count: ke - ks))
        }
        let found = full.withUnsafeBufferPointer { keys.lookup($0.baseAddress!, $0.count) }
        if let found {
          if found >= 0 { fieldIndex = found } else { nested = i < n && p[i] == 123 }
        }
        if nested {
          try parseObject(prefix: &full, depth: depth + 1)
          fieldIndex = nil
        }
      }
      if nested && prefix.isEmpty && !kesc {
        var sub = Array(UnsafeBufferPointer(start: p + ks, count: ke - ks))
        try parseObject(prefix: &sub, depth: depth + 1)
      } else if let fieldIndex {
        let value: Scalar
        if i < n, p[i] == 123 || p[i] == 91 {
          value = p[i] == 123 ? .object : .array
          try skipValue(depth: depth + 1)
        } else {
          value = try scanScalar()
        }
        (values + fieldIndex).initialize(to: value)
        present |= 1 << UInt64(fieldIndex)
      } else if !nested {
        try skipValue(depth: depth + 1)
      }
      skipWhitespace()
      guard i < n else { throw syntax("expected ',' or '}'") }
      if p[i] == 44 {
        i += 1
        continue
      }
      guard p[i] == 125 else { throw syntax("expected ',' or '}'") }
      i += 1
      return
    }
  }

  func wrongType(_ key: KeyInfo, _ value: Scalar, expected: String) -> RejectReason {
    RejectReason(
      .badValue,
      "field '\(String(decoding: key.path, as: UTF8.self))': expected \(expected), got \(value.typeName)")
  }

  func outOfRange(_ key: KeyInfo, _ detail: String) -> RejectReason {
    RejectReason(.badValue, "field '\(String(decoding: key.path, as: UTF8.self))': \(detail)")
  }

  /// An integral JSON number as Int64 (`2e2` and `200.0` count; `200.5` does not).
  func integer(_ key: KeyInfo, _ value: Scalar) throws(RejectReason) -> Int64 {
    switch value {
    case .integer(let v): return v
    case .double(let d):
      guard d.rounded() == d, abs(d) < 9.2e18 else { throw wrongType(key, value, expected: "an integer") }
      return Int64(d)
    default: throw wrongType(key, value, expected: "an integer")
    }
  }

  /// A token count: an integer from 0 to ``CallLogParser/maxTokens``, so that sums of many stay
  /// far from overflowing.
  func tokens(_ key: KeyInfo, _ value: Scalar) throws(RejectReason) -> Int64 {
    let v = try integer(key, value)
    guard v >= 0 else { throw outOfRange(key, "must not be negative") }
    guard v <= CallLogParser.maxTokens else {
      throw outOfRange(key, "\(v) is more tokens than any call uses (at most \(CallLogParser.maxTokens))")
    }
    return v
  }

  func number(_ key: KeyInfo, _ value: Scalar) throws(RejectReason) -> Double {
    switch value {
    case .integer(let v): return Double(v)
    case .double(let d):
      guard d.isFinite else { throw outOfRange(key, "number out of range") }
      return d
    default: throw wrongType(key, value, expected: "a number")
    }
  }

  /// Converts the chosen value of one field; `value` is never `.absent` or `.null`.
  mutating func convert(_ key: KeyInfo, _ value: Scalar, into r: inout Draft) throws(RejectReason) {
    switch key.field {
    case .ts:
      switch value {
      case .string(let s, let e, let esc):
        let ms: Int64?
        if esc {
          unescape(s, e)
          ms = scratch.withUnsafeBytes { Timestamp.parseRFC3339($0) }
        } else {
          ms = Timestamp.parseRFC3339(UnsafeRawBufferPointer(start: p + s, count: e - s))
        }
        guard let ms else { throw outOfRange(key, "not an RFC 3339 timestamp") }
        r.row.timestampMs = ms
      case .integer, .double:
        let d = try number(key, value)
        let ms = d >= 1e12 ? d : d * 1000
        guard ms >= 0, ms <= Double(Timestamp.maxMs) else { throw outOfRange(key, "timestamp out of range") }
        r.row.timestampMs = Int64(ms)
      default: throw wrongType(key, value, expected: "an RFC 3339 string or epoch seconds/milliseconds")
      }
    case .status:
      let v = try integer(key, value)
      guard v == 0 || (100...599).contains(v) else {
        throw outOfRange(key, "status \(v) is not 0 or 100-599")
      }
      r.row.status = Int16(v)
    case .latency:
      var d = try number(key, value)
      if key.conversion == .secondsToMs { d *= 1000 }
      guard d >= 0 else { throw outOfRange(key, "must not be negative") }
      guard d <= CallLogParser.maxLatencyMs else {
        throw outOfRange(key, "\(formatPlain(d)) ms is longer than any call can take (a week)")
      }
      CallRow.put(d, &r.row.latencyMs, .latency, &r.row.flags)
    case .attempt, .maxAttempts:
      var v = try integer(key, value)
      if key.conversion == .plusOne { v += 1 }
      guard v >= 1, v <= Int32.max else { throw outOfRange(key, "must be 1 or more") }
      if key.field == .attempt { r.row.attempt = Int32(v) } else { r.row.maxAttempts = Int32(v) }
    case .exhausted:
      guard case .bool(let b) = value else { throw wrongType(key, value, expected: "a boolean") }
      if b { r.row.flags.insert(.exhausted) }
    case .retryAfter:
      let d = try number(key, value)
      guard d >= 0 else { throw outOfRange(key, "must not be negative") }
      CallRow.put(d, &r.row.retryAfterS, .retryAfter, &r.row.flags)
    case .rlRequests:
      CallRow.put(
        try integer(key, value), &r.row.rateLimitRemainingRequests, .rateLimitRequests, &r.row.flags)
    case .rlTokens:
      CallRow.put(try integer(key, value), &r.row.rateLimitRemainingTokens, .rateLimitTokens, &r.row.flags)
    case .promptTokens: CallRow.put(try tokens(key, value), &r.row.promptTokens, .promptTokens, &r.row.flags)
    case .completionTokens:
      CallRow.put(try tokens(key, value), &r.row.completionTokens, .completionTokens, &r.row.flags)
    case .provider, .model, .errorType, .errorCode, .requestID, .app, .env, .endpoint:
      guard case .string(let s, let e, let esc) = value else {
        throw wrongType(key, value, expected: "a string")
      }
      if esc {
        unescape(s, e)
        let unescaped = scratch
        unescaped.withUnsafeBytes { store(key.field, $0, into: &r) }
      } else {
        store(key.field, UnsafeRawBufferPointer(start: p + s, count: e - s), into: &r)
      }
    }
  }

  /// Stores a string field: a dimension is interned, other text appended to the batch's.
  @inline(__always) func store(_ field: Field, _ bytes: UnsafeRawBufferPointer, into r: inout Draft) {
    switch field {
    case .provider: r.provider = batch.pointee.intern(bytes)
    case .model: r.model = batch.pointee.intern(bytes)
    case .app:
      r.app = batch.pointee.intern(bytes)
      r.row.flags.insert(.app)
    case .env:
      r.env = batch.pointee.intern(bytes)
      r.row.flags.insert(.env)
    case .endpoint:
      r.endpoint = batch.pointee.intern(bytes)
      r.row.flags.insert(.endpoint)
    case .errorType: r.row.errorType = batch.pointee.appendText(bytes)
    case .errorCode: r.row.errorCode = batch.pointee.appendText(bytes)
    default: r.row.requestID = batch.pointee.appendText(bytes)
    }
  }

  /// Resolves every field from `values`: the first alias (in priority order) that is present and
  /// not null; `fieldKeys` lists each field's aliases together, canonical first.
  mutating func finish() throws(RejectReason) {
    var record = Draft()
    var seenTs = false
    var seenStatus = false
    // Keys of a field come together, canonical first, so the first present (and non-null) key of
    // each field is the one that counts.
    var decided: UInt32 = 0
    var remaining = present
    while remaining != 0 {
      let k = remaining.trailingZeroBitCount
      remaining &= remaining - 1
      let key = keys.keys[k]
      let bit = UInt32(1) << UInt32(key.field.rawValue)
      // null counts as absent: the next alias may hold the value.
      let value = values[k]
      if case .null = value { continue }
      guard decided & bit == 0 else { continue }
      decided |= bit
      try convert(key, value, into: &record)
      if key.field == .ts { seenTs = true }
      if key.field == .status { seenStatus = true }
    }
    guard seenTs else {
      throw RejectReason(.missingField, "missing required field 'ts' (or timestamp, time, @timestamp)")
    }
    guard seenStatus else {
      throw RejectReason(.missingField, "missing required field 'status' (or status_code, http_status)")
    }
    let quota = record.row.status == 429 && (isQuota(record.row.errorCode) || isQuota(record.row.errorType))
    record.row.statusClass = UInt8(StatusClass(status: Int(record.row.status), quota: quota).index)
    batch.pointee.add(
      record.row, provider: record.provider, model: record.model, app: record.app, env: record.env,
      endpoint: record.endpoint)
  }

  /// Whether a span of the batch's text is `insufficient_quota`.
  func isQuota(_ span: TextSpan) -> Bool {
    let word: StaticString = "insufficient_quota"
    guard Int(span.count) == word.utf8CodeUnitCount else { return false }
    return batch.pointee.text.withUnsafeBytes {
      memcmp($0.baseAddress! + Int(span.offset), word.utf8Start, word.utf8CodeUnitCount) == 0
    }
  }

  /// A call being read: its row and the ids of its dimension values.
  struct Draft {
    var row = CallRow()
    var provider = Dimensions.unknown
    var model = Dimensions.unknown
    var app = Dimensions.empty
    var env = Dimensions.empty
    var endpoint = Dimensions.empty
  }
}
