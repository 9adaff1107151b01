#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Record assembly: the object walked key by key, each known field converted and checked, the
/// call added to the batch.
extension CallLogReader {

  mutating func parseRecord() throws(RejectReason) {
    skipWhitespace()
    guard i < n else { throw RejectReason(.syntax, "empty line") }
    guard p[i] == ASCII.openBrace else {
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
    if i < n, p[i] == ASCII.closeBrace {
      i += 1
      return
    }
    // Where the key expected next at the top level is kept: the previous key's index + 1.
    var after = 0
    while true {
      skipWhitespace()
      guard i < n, p[i] == ASCII.quote else { throw syntax("expected '\"' to start a key") }
      // The key this log wrote next last time, compared in place: the field that scanning and
      // looking it up would find, without either.
      let expected = prefix.isEmpty ? Int(batch.pointee.nextKey[after]) : -1
      let predicted = expected >= 0 && keys.isKey(expected, at: p + i, in: n - i)
      let (ks, ke, kesc): (Int, Int, Bool)
      if predicted {
        let length = keys.pathOfKey[expected].length
        (ks, ke, kesc) = (i + 1, i + 1 + length, false)
        i += length + 2
      } else {
        (ks, ke, kesc) = try scanString()
      }
      skipWhitespace()
      guard i < n, p[i] == ASCII.colon else { throw syntax("expected ':'") }
      i += 1
      skipWhitespace()
      // Resolve the key to a field, a nested prefix, or nothing.
      var fieldIndex: Int?
      var nested = false
      if prefix.isEmpty && !kesc {
        if let found = predicted ? expected : keys.lookup(p + ks, ke - ks) {
          if found >= 0 { fieldIndex = found } else { nested = i < n && p[i] == ASCII.openBrace }
        }
        if let fieldIndex {
          batch.pointee.nextKey[after] = Int8(fieldIndex)
          after = fieldIndex + 1
        }
      } else {
        var full = prefix
        if !full.isEmpty { full.append(ASCII.dot) }
        if kesc {
          unescape(ks, ke)
          full.append(contentsOf: scratch)
        } else {
          full.append(contentsOf: UnsafeBufferPointer(start: p + ks, count: ke - ks))
        }
        let found = full.withUnsafeBufferPointer { keys.lookup($0.baseAddress!, $0.count) }
        if let found {
          if found >= 0 { fieldIndex = found } else { nested = i < n && p[i] == ASCII.openBrace }
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
        if i < n, p[i] == ASCII.openBrace || p[i] == ASCII.openBracket {
          value = p[i] == ASCII.openBrace ? .object : .array
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
      if p[i] == ASCII.comma {
        i += 1
        continue
      }
      guard p[i] == ASCII.closeBrace else { throw syntax("expected ',' or '}'") }
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

  /// A token count: an integer from 0 to ``CallLimits/maxTokens``, so that sums of many stay
  /// far from overflowing.
  func tokens(_ key: KeyInfo, _ value: Scalar) throws(RejectReason) -> Int64 {
    let v = try integer(key, value)
    try check(key, CallLimits.tokensProblem(v))
    return v
  }

  /// A count from the rate-limit headers: an integer, not negative.
  func rateLimitCount(_ key: KeyInfo, _ value: Scalar) throws(RejectReason) -> Int64 {
    let v = try integer(key, value)
    try check(key, CallLimits.rateLimitCountProblem(v))
    return v
  }

  /// Throws `problem` (from ``CallLimits``) as the field's.
  @inline(__always) func check(_ key: KeyInfo, _ problem: String?) throws(RejectReason) {
    if let problem { throw outOfRange(key, problem) }
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

  /// Seconds until a rate limit resets: a number of seconds, a duration (`6m0s`) or an RFC 3339
  /// time (relative to the call's `ts`, which is read before this field).
  mutating func resetSeconds(_ key: KeyInfo, _ value: Scalar, _ callMs: Int64) throws(RejectReason) -> Double
  {
    switch value {
    case .string(let s32, let e32, let esc):
      let (s, e) = (Int(s32), Int(e32))
      let seconds: Double?
      if esc {
        unescape(s, e)
        seconds = RateLimitReset.seconds(scratch, callMs: callMs)
      } else {
        seconds = RateLimitReset.seconds(UnsafeRawBufferPointer(start: p + s, count: e - s), callMs: callMs)
      }
      guard let seconds else {
        throw outOfRange(key, "not a duration (6m0s), a number of seconds or an RFC 3339 time")
      }
      return seconds
    default:
      let d = try number(key, value)
      try check(key, CallLimits.resetProblem(d))
      return d
    }
  }

  /// Converts the chosen value of one field; `value` is never `.absent` or `.null`.
  mutating func convert(_ key: KeyInfo, _ value: Scalar, into r: inout Draft) throws(RejectReason) {
    switch key.field {
    case .ts:
      switch value {
      case .string(let s32, let e32, let esc):
        let (s, e) = (Int(s32), Int(e32))
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
      try check(key, CallLimits.statusProblem(v))
      r.row.status = Int16(v)
    case .latency:
      var d = try number(key, value)
      if key.conversion == .secondsToMs { d *= 1000 }
      try check(key, CallLimits.latencyProblem(d))
      CallRow.put(d, &r.row.latencyMs, .latency, &r.row.flags)
    case .attempt, .maxAttempts:
      var v = try integer(key, value)
      if key.conversion == .plusOne { v += 1 }
      try check(key, CallLimits.attemptProblem(v))
      if key.field == .attempt { r.row.attempt = Int32(v) } else { r.row.maxAttempts = Int32(v) }
    case .exhausted:
      guard case .bool(let b) = value else { throw wrongType(key, value, expected: "a boolean") }
      if b { r.row.flags.insert(.exhausted) }
    case .retryAfter:
      let d = try number(key, value)
      try check(key, CallLimits.retryAfterProblem(d))
      CallRow.put(d, &r.row.retryAfterS, .retryAfter, &r.row.flags)
    case .rlRequests:
      CallRow.put(
        try rateLimitCount(key, value), &r.row.rateLimitRemainingRequests, .rateLimitRequests, &r.row.flags)
    case .rlTokens:
      CallRow.put(
        try rateLimitCount(key, value), &r.row.rateLimitRemainingTokens, .rateLimitTokens, &r.row.flags)
    case .rlLimitRequests:
      CallRow.put(try rateLimitCount(key, value), &r.row.rateLimitLimitRequests, .limitRequests, &r.row.flags)
    case .rlLimitTokens:
      CallRow.put(try rateLimitCount(key, value), &r.row.rateLimitLimitTokens, .limitTokens, &r.row.flags)
    case .rlResetRequests:
      CallRow.put(
        try resetSeconds(key, value, r.row.timestampMs), &r.row.rateLimitResetRequestsS, .resetRequests,
        &r.row.flags)
    case .rlResetTokens:
      CallRow.put(
        try resetSeconds(key, value, r.row.timestampMs), &r.row.rateLimitResetTokensS, .resetTokens,
        &r.row.flags)
    case .promptTokens: CallRow.put(try tokens(key, value), &r.row.promptTokens, .promptTokens, &r.row.flags)
    case .completionTokens:
      CallRow.put(try tokens(key, value), &r.row.completionTokens, .completionTokens, &r.row.flags)
    case .stream:
      guard case .bool(let b) = value else { throw wrongType(key, value, expected: "a boolean") }
      r.row.flags.insert(b ? [.stream, .streamSaid] : .streamSaid)
    case .ttft:
      var d = try number(key, value)
      if key.conversion == .secondsToMs { d *= 1000 }
      try check(key, CallLimits.ttftProblem(d))
      CallRow.put(d, &r.row.ttftMs, .ttft, &r.row.flags)
    case .errorAfter:
      let d = try number(key, value)
      try check(key, CallLimits.streamDurationProblem(d))
      CallRow.put(d, &r.row.errorAfterMs, .errorAfter, &r.row.flags)
    case .maxChunkGap:
      let d = try number(key, value)
      try check(key, CallLimits.streamDurationProblem(d))
      CallRow.put(d, &r.row.maxChunkGapMs, .maxChunkGap, &r.row.flags)
    case .outputTokensPartial:
      CallRow.put(try tokens(key, value), &r.row.outputTokensPartial, .outputTokensPartial, &r.row.flags)
    case .streamOutcome:
      guard case .string(let s32, let e32, let esc) = value else {
        throw wrongType(key, value, expected: "a string")
      }
      let (s, e) = (Int(s32), Int(e32))
      if esc { unescape(s, e) }
      let outcome =
        esc
        ? StreamOutcome(bytes: scratch)
        : StreamOutcome(bytes: UnsafeRawBufferPointer(start: p + s, count: e - s))
      guard let outcome else { throw outOfRange(key, CallLimits.streamOutcomeProblem([]) ?? "") }
      r.row.streamOutcome = outcome.code
    case .provider, .model, .errorType, .errorCode, .requestID, .app, .env, .endpoint, .finishReason,
      .streamErrorType:
      guard case .string(let s32, let e32, let esc) = value else {
        throw wrongType(key, value, expected: "a string")
      }
      let (s, e) = (Int(s32), Int(e32))
      if esc { unescape(s, e) }
      let count = esc ? scratch.count : e - s
      switch key.field {
      case .provider, .model, .app, .env, .endpoint:
        try check(key, CallLimits.dimensionProblem(byteCount: count))
      default: break
      }
      if esc {
        let unescaped = scratch
        unescaped.withUnsafeBytes { store(key.field, $0, into: &r) }
      } else {
        store(key.field, UnsafeRawBufferPointer(start: p + s, count: count), into: &r)
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
    case .finishReason: r.row.finishReason = batch.pointee.appendText(bytes)
    case .streamErrorType: r.row.streamErrorType = batch.pointee.appendText(bytes)
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
    // The row is read in place, not copied (180 bytes a line).
    if record.row.flags.contains(.streamSaid) && !record.row.flags.contains(.stream) {
      let streamFields =
        record.row.streamOutcome != 0 || !record.row.streamErrorType.isNull
        || !record.row.flags.isDisjoint(with: [.ttft, .errorAfter, .maxChunkGap, .outputTokensPartial])
      if let problem = CallLimits.streamConsistencyProblem(stream: false, hasStreamFields: streamFields) {
        throw RejectReason(.badValue, "field 'stream': \(problem)")
      }
    }
    classify(&record.row)
    batch.pointee.add(
      &record.row, provider: record.provider, model: record.model, app: record.app, env: record.env,
      endpoint: record.endpoint)
  }

  /// The call's class: its status, what its error code or type signals, and whether a 2xx
  /// ended filtered (``StatusClass/init(status:signal:filtered:)``); and whether it is an auth
  /// failure. What a code or type says is worked out once per batch (``ErrorSignals``), as
  /// ``StatusClass/init(status:errorCode:errorType:finishReason:)`` and
  /// ``StatusClass/isAuth(status:errorCode:errorType:)`` work it out from strings.
  func classify(_ row: inout CallRow) {
    let status = Int(row.status)
    var signal: StatusClass?
    var filtered = false
    if status == 0 || (400..<500).contains(status) {
      let code = signals(row.errorCode)
      let type = signals(row.errorType)
      signal = code?.signal ?? type?.signal
      if StatusClass.isAuth(status)
        || ((400..<500).contains(status) && (code?.auth == true || type?.auth == true))
      {
        row.flags.insert(.auth)
      }
    } else if (200..<300).contains(status) && StreamOutcome.isFailure(code: row.streamOutcome) {
      // A 2xx whose stream failed: the class the same failure would have without streaming.
      let type = signals(row.streamErrorType) ?? signals(row.errorCode) ?? signals(row.errorType)
      let outcome = StreamOutcome(code: row.streamOutcome) ?? .errorEvent
      row.statusClass = UInt8(StatusClass.ofFailedStream(outcome, typeClass: type?.streamClass).index)
      return
    } else if (200..<300).contains(status) && !row.finishReason.isNull {
      filtered = withText(row.finishReason) { StatusClass.isContentFilterFinish($0) }
    }
    row.statusClass = UInt8(StatusClass(status: status, signal: signal, filtered: filtered).index)
  }

  /// What the text of a span says as an error code or type; nil when absent or too long to be a
  /// code (as `nil` is for the String functions).
  func signals(_ span: TextSpan) -> ErrorSignals.Answers? {
    guard !span.isNull, span.count <= 200 else { return nil }
    let batch = self.batch
    return batch.pointee.text.withUnsafeBytes {
      batch.pointee.errorSignals.answers(
        UnsafeRawBufferPointer(rebasing: $0[Int(span.offset)..<Int(span.offset) + Int(span.count)]))
    }
  }

  func withText<T>(_ span: TextSpan, _ body: (UnsafeRawBufferPointer) -> T) -> T {
    batch.pointee.text.withUnsafeBytes {
      body(UnsafeRawBufferPointer(rebasing: $0[Int(span.offset)..<Int(span.offset) + Int(span.count)]))
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
