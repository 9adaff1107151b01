#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
  /// Where each key path of `fieldKeys` (by index) sits in `bytes`: a predicted key is compared
  /// in place (``KeyPointers/isKey(_:at:in:)``).
  let pathOfKey: UnsafeMutablePointer<(offset: Int, length: Int)>

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
    pathOfKey = .allocate(capacity: keyCount)
    for k in 0..<all.count where entries[k].index >= 0 {
      pathOfKey[entries[k].index] = (entries[k].offset, entries[k].length)
    }
    precondition(keyCount <= CallLogReader.maxKeys, "one bit of CallLogReader.present per key path")
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
  let pathOfKey: UnsafeMutablePointer<(offset: Int, length: Int)>

  init(_ t: KeyTable) {
    entries = t.entries
    bytes = t.bytes
    firstByLength = t.firstByLength
    maxLength = t.maxLength
    keys = t.keys
    keyCount = t.keyCount
    powersOfTen = t.powersOfTen
    pathOfKey = t.pathOfKey
  }

  /// Whether the `n` bytes at `p` start with key `k` in quotes (`"path"`, nothing escaped). Then
  /// scanning that string and looking it up would give `k`: a path holds no quote, backslash,
  /// control or non-ASCII byte, and `k` came from ``lookup(_:_:)``.
  @inline(__always) func isKey(_ k: Int, at p: UnsafePointer<UInt8>, in n: Int) -> Bool {
    let (offset, length) = pathOfKey[k]
    return length + 2 <= n && p[length + 1] == ASCII.quote && sameBytes(p + 1, bytes + offset, length)
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
