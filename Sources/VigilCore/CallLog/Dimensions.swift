#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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

  /// The id last given for a value of each length (mod 16), tried before the table: lines
  /// repeat their neighbours' provider, model, app and env, and those differ in length more often
  /// than not.
  var recentByLength = InlineArray<16, Int32>(repeating: -1)

  mutating func id(of value: UnsafeRawBufferPointer) -> Int32 {
    let recent = recentByLength[value.count & 15]
    if recent >= 0, equal(Int(recent), value) { return recent }
    let id = lookUp(value)
    recentByLength[value.count & 15] = id
    return id
  }

  /// The id of `value` from the table, added when it is new.
  mutating func lookUp(_ value: UnsafeRawBufferPointer) -> Int32 {
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
