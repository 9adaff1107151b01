/// Counts per HTTP status code: a short list searched in order, because a series sees a handful
/// of codes in a bucket. Encoded as pairs of varints (status, count).
package struct StatusCounts: Sendable, Equatable {
  package private(set) var statuses: [Int] = []
  package private(set) var counts: [Int64] = []

  package init() {}

  package var isEmpty: Bool { statuses.isEmpty }

  @inline(__always) package mutating func add(_ status: Int, _ n: Int64 = 1) {
    for i in statuses.indices where statuses[i] == status {
      counts[i].addSaturating(n)
      return
    }
    statuses.append(status)
    counts.append(n)
  }

  package mutating func merge(_ other: StatusCounts) {
    for (s, n) in zip(other.statuses, other.counts) { add(s, n) }
  }

  /// (status, count) pairs, by status.
  package var sorted: [(status: Int, count: Int64)] {
    zip(statuses, counts).map { (status: $0, count: $1) }.sorted { $0.status < $1.status }
  }

  package static func == (a: StatusCounts, b: StatusCounts) -> Bool {
    a.sorted.map(\.status) == b.sorted.map(\.status) && a.sorted.map(\.count) == b.sorted.map(\.count)
  }

  /// The pairs as varints. A status that is no HTTP status (the intake refuses them) is left
  /// out rather than trapping on its sign: it could not be read back either.
  package func encoded() -> [UInt8] {
    var out: [UInt8] = []
    for (s, n) in zip(statuses, counts) where (0..<1000).contains(s) {
      Varint.append(UInt64(s), to: &out)
      Varint.append(UInt64(clamping: n), to: &out)
    }
    return out
  }

  /// Adds what `bytes` encode; false (adding nothing more) at a malformed entry.
  @discardableResult
  package mutating func merge(encoded bytes: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    while i < bytes.count {
      guard let s = Varint.read(bytes, &i), let n = Varint.read(bytes, &i), s < 1000
      else { return false }
      add(Int(s), Int64(clamping: n))
    }
    return true
  }
}
