/// What an export holds, counted before it is decoded: spans or records, attributes, and the
/// messages decoding would allocate. Read off the protobuf wire format in one pass that allocates
/// nothing (``WireShape``), or off a decoded OTLP/JSON request, whose decoding the JSON value
/// bound already kept small.
package struct ExportShape: Sendable, Equatable {
  /// Spans and log records.
  package var items = 0
  /// Attributes anywhere: key-values of spans, events, resources, scopes and maps, and the
  /// elements of lists.
  package var attributes = 0
  /// The most attributes of one span or log record (its own, and values inside them).
  package var mostInOneItem = 0
  /// Every message decoding allocates.
  package var messages = 0

  package init() {}

  /// A 413 naming the first bound the export passes.
  package func check(_ limits: IntakeLimits) throws(PayloadError) {
    if items > limits.maxItems {
      throw PayloadError(413, "the export has more than \(limits.maxItems) spans or log records")
    }
    if mostInOneItem > limits.maxAttributesPerItem {
      throw PayloadError(413, "a span or log record has more than \(limits.maxAttributesPerItem) attributes")
    }
    if attributes > limits.maxAttributes {
      throw PayloadError(413, "the export has more than \(limits.maxAttributes) attributes")
    }
  }
}

/// OTLP's protobuf wire format walked by the schema of scripts/otlp/otlp.proto, without decoding:
/// counts what decoding would allocate (so that a bomb is refused before it costs memory), and,
/// when asked, replaces each byte of a string field that is not UTF-8 with `?` in place (the
/// lengths stay as sent), so that one bad byte costs one field's text, not the whole export.
package struct WireShape {
  /// The messages of the schema that hold other messages or strings.
  enum Message {
    case traces, resourceSpans, scopeSpans, span, event, status
    case logs, resourceLogs, scopeLogs, logRecord
    case resource, scope, keyValue, anyValue, arrayValue, keyValueList

    /// What field `number` holds: a message, a string, or something to skip.
    func field(_ number: UInt64) -> Field {
      switch (self, number) {
      case (.traces, 1): .message(.resourceSpans)
      case (.resourceSpans, 1), (.resourceLogs, 1): .message(.resource)
      case (.resourceSpans, 2): .message(.scopeSpans)
      case (.scopeSpans, 1), (.scopeLogs, 1): .message(.scope)
      case (.scopeSpans, 2): .message(.span)
      case (.span, 5), (.event, 2), (.status, 2), (.scope, 1), (.scope, 2), (.logRecord, 12): .string
      case (.span, 9), (.event, 3), (.resource, 1), (.scope, 3), (.logRecord, 6), (.keyValueList, 1):
        .message(.keyValue)
      case (.span, 11): .message(.event)
      case (.span, 15): .message(.status)
      case (.logs, 1): .message(.resourceLogs)
      case (.resourceLogs, 2): .message(.scopeLogs)
      case (.scopeLogs, 2): .message(.logRecord)
      case (.logRecord, 5), (.keyValue, 2), (.arrayValue, 1): .message(.anyValue)
      case (.keyValue, 1), (.anyValue, 1): .string
      case (.anyValue, 5): .message(.arrayValue)
      case (.anyValue, 6): .message(.keyValueList)
      default: .other
      }
    }
  }

  enum Field {
    case message(Message)
    case string
    case other
  }

  /// Fields whose attributes count towards their span's or record's own.
  static func isItemAttributes(_ m: Message, _ number: UInt64) -> Bool {
    (m == .span && number == 9) || (m == .logRecord && (number == 5 || number == 6))
  }

  var shape = ExportShape()
  /// String fields that held bytes that are not UTF-8 (each replaced in place).
  package var repairedFields = 0
  let limits: IntakeLimits
  let repair: Bool
  /// `traces` or `logs`, for the errors.
  let what: String
  /// Attributes counted for the span or record being walked (when inside its attributes).
  var itemAttributes = 0
  var inItemAttributes = false

  /// The shape of a traces (`logs == false`) or logs export; a 400 when the bytes are not one.
  package static func shape(_ body: [UInt8], logs: Bool, limits: IntakeLimits) throws(PayloadError)
    -> ExportShape
  {
    var walker = WireShape(limits: limits, repair: false, what: logs ? "logs" : "traces")
    try body.withUnsafeBufferPointer { (read) throws(PayloadError) in
      // Only read: a walk that does not repair writes nothing.
      let buffer = UnsafeMutableBufferPointer(mutating: read)
      try walker.walk(buffer, 0..<buffer.count, as: logs ? .logs : .traces, depth: 0)
    }
    return walker.shape
  }

  /// `body` with every byte of a string field that is not UTF-8 replaced by `?`, and how many
  /// fields were repaired.
  package static func repaired(_ body: [UInt8], logs: Bool, limits: IntakeLimits) throws(PayloadError) -> (
    [UInt8], Int
  ) {
    var walker = WireShape(limits: limits, repair: true, what: logs ? "logs" : "traces")
    var bytes = body
    try bytes.withUnsafeMutableBufferPointer { (buffer) throws(PayloadError) in
      try walker.walk(buffer, 0..<buffer.count, as: logs ? .logs : .traces, depth: 0)
    }
    return (bytes, walker.repairedFields)
  }

  func malformed(_ why: String) -> PayloadError {
    PayloadError(400, "not an OTLP \(what) export (protobuf): \(why)")
  }

  /// A varint at `i`, moving `i` past it.
  func varint(_ b: UnsafeMutableBufferPointer<UInt8>, _ i: inout Int, _ end: Int) throws(PayloadError)
    -> UInt64
  {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while i < end {
      let byte = b[i]
      i += 1
      value |= UInt64(byte & 0x7f) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
      if shift > 63 { throw malformed("a varint longer than 10 bytes") }
    }
    throw malformed("cut short inside a varint")
  }

  mutating func walk(
    _ b: UnsafeMutableBufferPointer<UInt8>, _ range: Range<Int>, as message: Message, depth: Int
  ) throws(PayloadError) {
    guard depth <= limits.maxDepth else {
      throw PayloadError(413, "the export nests messages deeper than \(limits.maxDepth)")
    }
    var i = range.lowerBound
    let end = range.upperBound
    while i < end {
      let key = try varint(b, &i, end)
      let number = key >> 3
      switch key & 7 {
      case 0: _ = try varint(b, &i, end)
      case 1: i += 8
      case 5: i += 4
      case 2:
        let length = try varint(b, &i, end)
        guard length <= UInt64(end - i) else { throw malformed("a field longer than its message") }
        let field = i..<(i + Int(length))
        i = field.upperBound
        switch message.field(number) {
        case .message(let child): try enter(b, field, child, parent: message, number: number, depth: depth)
        case .string: if repair { repairedFields += Self.repairUTF8(b, field) > 0 ? 1 : 0 }
        case .other: break
        }
      default: throw malformed("wire type \(key & 7) (groups are not OTLP)")
      }
      guard i <= end else { throw malformed("cut short inside a field") }
    }
  }

  mutating func enter(
    _ b: UnsafeMutableBufferPointer<UInt8>, _ field: Range<Int>, _ child: Message, parent: Message,
    number: UInt64, depth: Int
  ) throws(PayloadError) {
    shape.messages += 1
    let counted = child == .keyValue || (child == .anyValue && parent == .arrayValue)
    if counted {
      shape.attributes += 1
      if inItemAttributes { itemAttributes += 1 }
    }
    let item = child == .span || child == .logRecord
    if item {
      shape.items += 1
      itemAttributes = 0
    }
    let entersItemAttributes = !inItemAttributes && Self.isItemAttributes(parent, number)
    if entersItemAttributes {
      inItemAttributes = true
      if child == .keyValue { itemAttributes += 1 }
    }
    // A bomb stops at the first bound it passes, not at its end.
    shape.mostInOneItem = max(shape.mostInOneItem, itemAttributes)
    try shape.check(limits)
    try walk(b, field, as: child, depth: depth + 1)
    if entersItemAttributes { inItemAttributes = false }
  }

  /// Replaces each byte of `range` that is not part of a well-formed UTF-8 sequence with `?`;
  /// returns how many runs of such bytes there were (one bad character is one run).
  @discardableResult
  package static func repairUTF8(_ b: UnsafeMutableBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
    var runs = 0
    var inRun = false
    var i = range.lowerBound
    while i < range.upperBound {
      let length = UTF8Check.sequenceLength(b, at: i, end: range.upperBound)
      if length == 0 {
        b[i] = UInt8(ascii: "?")
        if !inRun { runs += 1 }
        inRun = true
        i += 1
      } else {
        inRun = false
        i += length
      }
    }
    return runs
  }
}

/// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
package enum UTF8Check {
  /// The length of the well-formed sequence starting at `i`, or 0 when there is none.
  static func sequenceLength(_ b: UnsafeMutableBufferPointer<UInt8>, at i: Int, end: Int) -> Int {
    let lead = b[i]
    if lead < 0x80 { return 1 }
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      high = 0x9F
    case 0xF0:
      length = 4
      low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      high = 0x8F
    default: return 0
    }
    guard i + length <= end else { return 0 }
    guard (low...high).contains(b[i + 1]) else { return 0 }
    for k in 2..<length where !(0x80...0xBF).contains(b[i + k]) { return 0 }
    return length
  }

  /// `bytes` with each byte that is not part of well-formed UTF-8 replaced by `?`, and how many
  /// runs of them there were; `bytes` itself (0) when all of it is UTF-8.
  package static func repaired(_ bytes: [UInt8]) -> ([UInt8], Int) {
    var copy = bytes
    let replaced = copy.withUnsafeMutableBufferPointer { WireShape.repairUTF8($0, 0..<$0.count) }
    return (replaced == 0 ? bytes : copy, replaced)
  }
}
