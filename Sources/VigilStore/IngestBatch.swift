package import VigilCore

/// A line that could not be stored as a call, kept so that a user can list and fix it.
package struct Reject: Sendable, Equatable {
  /// Where it came from: a file path, `-` for stdin, `udp:ADDR` for a datagram.
  package var source: String
  /// Byte offset of the line's first byte in the source (for `.gz`, in the decompressed stream).
  package var offset: Int64
  /// 1-based line number, when known.
  package var lineNumber: Int64?
  package var reason: RejectReason
  /// The line, cut to ``Reject/maxStoredBytes`` and decoded leniently.
  package var line: String

  /// How much of a rejected line is kept.
  package static let maxStoredBytes = 1024

  package init(source: String, offset: Int64, lineNumber: Int64?, reason: RejectReason, line: String) {
    self.source = source
    self.offset = offset
    self.lineNumber = lineNumber
    self.reason = reason
    self.line = line
  }

  /// Builds a reject from raw bytes, keeping at most ``maxStoredBytes`` of them.
  package init(
    source: String, offset: Int64, lineNumber: Int64?, reason: RejectReason, bytes: UnsafeRawBufferPointer
  ) {
    let kept = UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, Self.maxStoredBytes)])
    var text = String(decoding: kept, as: UTF8.self)
    if bytes.count > Self.maxStoredBytes { text += "…" }
    self.init(source: source, offset: offset, lineNumber: lineNumber, reason: reason, line: text)
  }
}

/// Where reading of one file stopped: its identity and the offset after the last stored line.
package struct Checkpoint: Sendable, Equatable {
  /// The file's identity: a hash of its first line, which survives renames and compression.
  package var fingerprint: String
  /// The path it was last seen at (for messages).
  package var path: String
  package var device: UInt64
  package var inode: UInt64
  /// Offset after the last complete line read (stored or rejected).
  package var offset: Int64
  /// Lines read so far, for line numbers in rejects.
  package var lineNumber: Int64

  package init(
    fingerprint: String, path: String, device: UInt64, inode: UInt64, offset: Int64, lineNumber: Int64
  ) {
    self.fingerprint = fingerprint
    self.path = path
    self.device = device
    self.inode = inode
    self.offset = offset
    self.lineNumber = lineNumber
  }
}

/// What one transaction stores: calls, their rollups, rejects and the checkpoint that covers them.
package struct IngestBatch: Sendable {
  /// The source name stored with each call.
  package var source: String
  /// The calls and their rollups.
  package var calls: CallBatch
  package var rejects: [Reject] = []
  /// The position after this batch; committed in the same transaction as the rows.
  package var checkpoint: Checkpoint?
  /// The `detail` column of each call (JSON of its rare fields, or NULL), once encoded.
  var detailSpans: [TextSpan] = []
  var detailText: [UInt8] = []
  /// The calls cut into chunks (``Store/chunkPieces(_:)``) by ``prepare()``, for the calls there
  /// were then.
  var pieces: [Store.ChunkPiece] = []
  var preparedCalls = -1
  /// The rollups' encoded columns (``encodeRollups()``), for the calls there were then.
  var rollupBlobs: [RollupBlobs] = []
  var encodedRollupCalls = -1

  /// A batch for `source`; `capacity` reserves room for that many calls (no regrowth while adding).
  package init(source: String, capacity: Int = 0) {
    self.source = source
    calls = CallBatch(capacity: capacity)
  }

  /// Adds one call and counts it in its rollup; refuses a record with a value no call can have
  /// (``CallLimits``).
  package mutating func add(_ record: CallRecord) throws(RejectReason) { try calls.add(record) }

  /// The calls as records (tests and small batches; the store reads rows).
  package var records: [CallRecord] { calls.records }
  package var rollupKeys: [RollupKey] { calls.rollupKeys }
  package var rollupValues: [Rollup] { calls.rollupValues }

  package var isEmpty: Bool { calls.isEmpty && rejects.isEmpty && checkpoint == nil }

  /// Text a batch may gather before it is written, whatever its line count: spans of the text
  /// are 32-bit, and a batch is held in memory whole.
  package static let maxTextBytes = 256 << 20

  /// Whether the batch should be written now: it holds `lines` lines (calls and rejects), or
  /// ``maxTextBytes`` of text.
  package func isFull(lines: Int) -> Bool {
    calls.count + rejects.count >= lines || calls.text.count >= Self.maxTextBytes
  }

  /// Whether ``encodeDetails()`` ran after the last call was added.
  var detailsEncoded: Bool { detailSpans.count == calls.count }

  /// Whether ``prepare()`` ran after the last call was added.
  var prepared: Bool { preparedCalls == calls.count }

  /// Whether ``encodeRollups()`` ran after the last call was added.
  var rollupsEncoded: Bool { encodedRollupCalls == calls.count }

  /// Does what the store would do to the batch before writing it (``encodeDetails()``, the calls
  /// cut into chunks), on the thread that built it: parser threads call it, so that the thread
  /// that writes, the one everything waits for, does not have to.
  package mutating func prepare() {
    encodeDetails()
    pieces = Store.chunkPieces(calls.rows)
    preparedCalls = calls.count
  }

  /// Encodes the rollups' columns (``RollupBlobs``) ahead, for the buckets the store does not hold
  /// yet. For a thread that parses while another writes (a bulk import): a bucket the store holds
  /// already is encoded again after its merge, so a thread that writes what it parses would
  /// encode the small batches of a live tail or of UDP, whose buckets mostly exist, twice.
  package mutating func encodeRollups() {
    rollupBlobs = calls.rollupValues.map(RollupBlobs.init)
    encodedRollupCalls = calls.count
  }

  /// Encodes the `detail` column of the calls that carry rare fields (error type and code,
  /// Retry-After, rate-limit headers, a failed stream's type, time and partial tokens; the stream
  /// fields most streams carry have columns: ``StreamColumns``). The store does it for a batch that comes without; parser
  /// threads call it first, so that the thread that writes does not have to.
  package mutating func encodeDetails() {
    detailSpans.removeAll(keepingCapacity: true)
    detailText.removeAll(keepingCapacity: true)
    detailSpans.reserveCapacity(calls.count)
    let calls = self.calls
    // Rows are read in place: most have no detail, and copying each cost more than the check.
    calls.text.withUnsafeBytes { text in
      calls.rows.withUnsafeBufferPointer { rows in encode(rows, text) }
    }
  }

  /// ``encodeDetails()`` of `rows`, whose spans index `text`.
  private mutating func encode(_ rows: UnsafeBufferPointer<CallRow>, _ text: UnsafeRawBufferPointer) {
    for k in rows.indices {
      guard rows[k].hasDetail else {
        detailSpans.append(.null)
        continue
      }
      let row = rows[k]
      let start = detailText.count
      var separator: UInt8 = 123  // {
      func key(_ name: StaticString) {
        detailText.append(separator)
        separator = 44  // ,
        detailText.append(34)
        detailText.append(
          contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        detailText += [34, 58]
      }
      func string(_ name: StaticString, _ span: TextSpan) {
        guard !span.isNull else { return }
        key(name)
        JSONText.appendQuoted(
          UnsafeRawBufferPointer(rebasing: text[Int(span.offset)..<Int(span.offset + span.count)]),
          to: &detailText)
      }
      string("error_type", row.errorType)
      string("error_code", row.errorCode)
      string("finish_reason", row.finishReason)
      func integer(_ name: StaticString, _ flag: CallRow.Flags, _ v: Int64) {
        guard row.flags.contains(flag) else { return }
        key(name)
        detailText += String(v).utf8
      }
      func number(_ name: StaticString, _ flag: CallRow.Flags, _ v: Double) {
        guard row.flags.contains(flag) else { return }
        key(name)
        JSONText.appendNumber(v, to: &detailText)
      }
      number("retry_after_s", .retryAfter, row.retryAfterS)
      integer("ratelimit_remaining_requests", .rateLimitRequests, row.rateLimitRemainingRequests)
      integer("ratelimit_remaining_tokens", .rateLimitTokens, row.rateLimitRemainingTokens)
      integer("ratelimit_limit_requests", .limitRequests, row.rateLimitLimitRequests)
      integer("ratelimit_limit_tokens", .limitTokens, row.rateLimitLimitTokens)
      number("ratelimit_reset_requests_s", .resetRequests, row.rateLimitResetRequestsS)
      number("ratelimit_reset_tokens_s", .resetTokens, row.rateLimitResetTokensS)
      string("stream_error_type", row.streamErrorType)
      number("error_after_ms", .errorAfter, row.errorAfterMs)
      integer("output_tokens_partial", .outputTokensPartial, row.outputTokensPartial)
      detailText.append(125)  // }
      detailSpans.append(TextSpan(offset: Int32(start), count: Int32(detailText.count - start)))
    }
  }
}
