#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A JSON value as far as the record needs it.
///
/// 16 bytes (a string's offsets are 32-bit: a line is at most ``CallBatch/maxLineBytes``), so that
/// a value per key path of the contract (62 of them) fits the 1 KiB that Swift's temporary
/// allocation keeps on the stack; at 24 bytes each line's values were a heap allocation.
enum Scalar {
  case string(start: Int32, end: Int32, escaped: Bool)
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
struct CallLogReader {
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
      guard c <= ASCII.space,
        c == ASCII.space || c == ASCII.tab || c == ASCII.carriageReturn || c == ASCII.lineFeed
      else { return }
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
        let quote = w ^ (ones &* UInt64(ASCII.quote))
        let backslash = w ^ (ones &* UInt64(ASCII.backslash))
        let special =
          ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
          | (w &- (ones &* UInt64(ASCII.space))) | w
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
        if c == ASCII.quote || c == ASCII.backslash || c < ASCII.space || c >= ASCII.firstNonASCII { break }
        i += 1
      }
      guard i < n else { throw syntax("unterminated string") }
      let c = p[i]
      if c == ASCII.quote {
        i += 1
        return (start, i - 1, escaped)
      } else if c == ASCII.backslash {
        escaped = true
        guard i + 1 < n else {
          i += 1
          throw syntax("unterminated string")
        }
        switch p[i + 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash, ASCII.lowerB, ASCII.lowerF, ASCII.lowerN,
          ASCII.lowerR,
          ASCII.lowerT:
          i += 2
        case ASCII.lowerU:
          let unit = try hex4(at: i + 2)
          i += 6
          if unit >= 0xD800 && unit <= 0xDBFF {
            guard i + 1 < n, p[i] == ASCII.backslash, p[i + 1] == ASCII.lowerU else {
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
      } else if c < ASCII.space {
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
      case ASCII.zero...ASCII.nine: d = c - ASCII.zero
      case ASCII.upperA...ASCII.upperF: d = c - ASCII.upperA + 10
      case ASCII.lowerA...ASCII.lowerF: d = c - ASCII.lowerA + 10
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
      if c != ASCII.backslash {
        scratch.append(c)
        k += 1
        continue
      }
      let e = p[k + 1]
      k += 2
      switch e {
      case ASCII.lowerB: scratch.append(ASCII.backspace)
      case ASCII.lowerF: scratch.append(ASCII.formFeed)
      case ASCII.lowerN: scratch.append(ASCII.lineFeed)
      case ASCII.lowerR: scratch.append(ASCII.carriageReturn)
      case ASCII.lowerT: scratch.append(ASCII.tab)
      case ASCII.lowerU:
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
    if p[i] == ASCII.minus {
      negative = true
      i += 1
    }
    guard i < n, ASCII.isDigit(p[i]) else { throw syntax("invalid number") }
    var value: Int64 = 0
    var digitCount = 0
    if p[i] == ASCII.zero {
      i += 1
      digitCount = 1
    } else {
      while i < n, ASCII.isDigit(p[i]) {
        if digitCount < 18 { value = value &* 10 &+ Int64(p[i] - ASCII.zero) }
        digitCount += 1
        i += 1
      }
    }
    var isInteger = true
    if i < n, p[i] == ASCII.dot {
      isInteger = false
      i += 1
      guard i < n, ASCII.isDigit(p[i]) else { throw syntax("invalid number: digit expected after '.'") }
      while i < n, ASCII.isDigit(p[i]) { i += 1 }
    }
    if i < n, p[i] == ASCII.lowerE || p[i] == ASCII.upperE {
      isInteger = false
      i += 1
      if i < n, p[i] == ASCII.plus || p[i] == ASCII.minus { i += 1 }
      guard i < n, ASCII.isDigit(p[i]) else {
        throw syntax("invalid number: digit expected in exponent")
      }
      while i < n, ASCII.isDigit(p[i]) { i += 1 }
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
    let negative = p[k] == ASCII.minus
    if negative { k += 1 }
    var mantissa: Int64 = 0
    var digits = 0
    var fraction = 0
    var seenDot = false
    while k < i {
      let c = p[k]
      if c == ASCII.dot {
        seenDot = true
      } else if ASCII.isDigit(c) {
        if digits > 0 || c != ASCII.zero { digits += 1 }
        mantissa = mantissa * 10 + Int64(c - ASCII.zero)
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
    case ASCII.quote: _ = try scanString()
    case ASCII.openBrace:
      i += 1
      skipWhitespace()
      if i < n, p[i] == ASCII.closeBrace {
        i += 1
        return
      }
      while true {
        skipWhitespace()
        guard i < n, p[i] == ASCII.quote else { throw syntax("expected '\"' to start a key") }
        _ = try scanString()
        skipWhitespace()
        guard i < n, p[i] == ASCII.colon else { throw syntax("expected ':'") }
        i += 1
        skipWhitespace()
        try skipValue(depth: depth + 1)
        skipWhitespace()
        guard i < n else { throw syntax("expected ',' or '}'") }
        if p[i] == ASCII.comma {
          i += 1
          continue
        }
        guard p[i] == ASCII.closeBrace else { throw syntax("expected ',' or '}'") }
        i += 1
        return
      }
    case ASCII.openBracket:
      i += 1
      skipWhitespace()
      if i < n, p[i] == ASCII.closeBracket {
        i += 1
        return
      }
      while true {
        skipWhitespace()
        try skipValue(depth: depth + 1)
        skipWhitespace()
        guard i < n else { throw syntax("expected ',' or ']'") }
        if p[i] == ASCII.comma {
          i += 1
          continue
        }
        guard p[i] == ASCII.closeBracket else { throw syntax("expected ',' or ']'") }
        i += 1
        return
      }
    case ASCII.minus, ASCII.zero...ASCII.nine: try skipNumber()
    default: _ = try scanScalar()
    }
  }

  /// Validates a number that no field needs. Only forms that could overflow a Double (an exponent,
  /// or very many digits) are converted, to refuse them as the parser refuses every such number.
  mutating func skipNumber() throws(RejectReason) {
    let start = i
    if p[i] == ASCII.minus { i += 1 }
    guard i < n, ASCII.isDigit(p[i]) else { throw syntax("invalid number") }
    if p[i] == ASCII.zero {
      i += 1
    } else {
      while i < n, ASCII.isDigit(p[i]) { i += 1 }
    }
    if i < n, p[i] == ASCII.dot {
      i += 1
      guard i < n, ASCII.isDigit(p[i]) else { throw syntax("invalid number: digit expected after '.'") }
      while i < n, ASCII.isDigit(p[i]) { i += 1 }
    }
    if (i < n && (p[i] == ASCII.lowerE || p[i] == ASCII.upperE)) || i - start > 300 {
      i = start
      _ = try scanNumber()
    }
  }

  /// Scans a value at `i`; objects and arrays are reported by kind, not consumed.
  mutating func scanScalar() throws(RejectReason) -> Scalar {
    guard i < n else { throw syntax("value expected") }
    switch p[i] {
    case ASCII.quote:
      let (s, e, esc) = try scanString()
      return .string(start: Int32(truncatingIfNeeded: s), end: Int32(truncatingIfNeeded: e), escaped: esc)
    case ASCII.minus, ASCII.zero...ASCII.nine: return try scanNumber()
    case ASCII.lowerT:
      try literal("true")
      return .bool(true)
    case ASCII.lowerF:
      try literal("false")
      return .bool(false)
    case ASCII.lowerN:
      try literal("null")
      return .null
    case ASCII.openBrace: return .object
    case ASCII.openBracket: return .array
    default: throw syntax("unexpected character")
    }
  }

  mutating func literal(_ word: StaticString) throws(RejectReason) {
    let len = word.utf8CodeUnitCount
    guard i + len <= n, memcmp(p + i, word.utf8Start, len) == 0 else { throw syntax("invalid literal") }
    i += len
  }
}
