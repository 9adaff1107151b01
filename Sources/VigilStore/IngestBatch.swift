public import VigilCore

/// A line that could not be stored as a call, kept so that a user can list and fix it.
public struct Reject: Sendable, Equatable {
  /// Where it came from: a file path, `-` for stdin, `udp:ADDR` for a datagram.
  public var source: String
  /// Byte offset of the line's first byte in the source (for `.gz`, in the decompressed stream).
  public var offset: Int64
  /// 1-based line number, when known.
  public var lineNumber: Int64?
  public var reason: RejectReason
  /// The line, cut to ``Reject/maxStoredBytes`` and decoded leniently.
  public var line: String

  /// How much of a rejected line is kept.
  public static let maxStoredBytes = 1024

  public init(source: String, offset: Int64, lineNumber: Int64?, reason: RejectReason, line: String) {
    self.source = source
    self.offset = offset
    self.lineNumber = lineNumber
    self.reason = reason
    self.line = line
  }

  /// Builds a reject from raw bytes, keeping at most ``maxStoredBytes`` of them.
  public init(
    source: String, offset: Int64, lineNumber: Int64?, reason: RejectReason, bytes: UnsafeRawBufferPointer
  ) {
    let kept = UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, Self.maxStoredBytes)])
    var text = String(decoding: kept, as: UTF8.self)
    if bytes.count > Self.maxStoredBytes { text += "…" }
    self.init(source: source, offset: offset, lineNumber: lineNumber, reason: reason, line: text)
  }
}

/// Where reading of one file stopped: its identity and the offset after the last stored line.
public struct Checkpoint: Sendable, Equatable {
  /// The file's identity: a hash of its first line, which survives renames and compression.
  public var fingerprint: String
  /// The path it was last seen at (for messages).
  public var path: String
  public var device: UInt64
  public var inode: UInt64
  /// Offset after the last complete line read (stored or rejected).
  public var offset: Int64
  /// Lines read so far, for line numbers in rejects.
  public var lineNumber: Int64

  public init(
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
public struct IngestBatch: Sendable {
  /// The source name stored with each call.
  public var source: String
  public var records: [CallRecord] = []
  /// Each call's rollup (an index in `rollupKeys`), so that writers map a call to its series
  /// once per rollup rather than once per call.
  public private(set) var recordSlots: [Int32] = []
  /// Rollup keys and values, in first-seen order.
  public private(set) var rollupKeys: [RollupKey] = []
  public private(set) var rollupValues: [Rollup] = []
  var rollupIndex: [RollupKey: Int] = [:]
  /// The rollups used last, searched before the dictionary: lines of one bucket share a few series.
  var recent: [Int] = []
  public var rejects: [Reject] = []
  /// The position after this batch; committed in the same transaction as the rows.
  public var checkpoint: Checkpoint?

  /// A batch for `source`; `capacity` reserves room for that many calls (no regrowth while adding).
  public init(source: String, capacity: Int = 0) {
    self.source = source
    if capacity > 0 {
      records.reserveCapacity(capacity)
      recordSlots.reserveCapacity(capacity)
    }
  }

  /// Adds one call and counts it in its rollup.
  public mutating func add(_ record: CallRecord) {
    let bucket = RollupKey.bucket(of: record.timestampMs)
    var slot = -1
    for index in recent {
      let key = rollupKeys[index]
      if key.bucketMs == bucket, key.series.provider == record.provider, key.series.model == record.model,
        key.series.app == (record.app ?? ""), key.series.env == (record.env ?? ""),
        key.series.endpoint == (record.endpoint ?? "")
      {
        slot = index
        break
      }
    }
    if slot < 0 {
      let key = RollupKey(bucketMs: bucket, series: record.series)
      if let index = rollupIndex[key] {
        slot = index
      } else {
        slot = rollupKeys.count
        rollupIndex[key] = slot
        rollupKeys.append(key)
        rollupValues.append(Rollup())
      }
      if recent.count >= 16 { recent.removeLast() }
      recent.insert(slot, at: 0)
    }
    rollupValues[slot].add(record)
    records.append(record)
    recordSlots.append(Int32(slot))
  }

  public var isEmpty: Bool { records.isEmpty && rejects.isEmpty && checkpoint == nil }
}
