#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A mergeable latency histogram with logarithmic buckets and a bounded *relative* error.
///
/// A value `x > 0` falls in bucket `i = ceil(log(x) / log(γ))`, with `γ = (1 + α) / (1 - α)`, and a
/// quantile is reported as `2γ^i / (γ + 1)`: within ``relativeAccuracy`` (α = 0.5%) of the exact
/// value of the same rank, however the data is spread (the DDSketch construction). Histograms of
/// different rollup buckets merge by adding counts, so a window's percentile costs one merge per
/// rollup row, never a scan of raw calls. Zero latencies are counted apart.
///
/// ```swift
/// var h = LatencyHistogram()
/// h.record(1200); h.record(35_000)
/// h.quantile(0.99)  // ≈ 35_000, within 0.5%
/// ```
package struct LatencyHistogram: Sendable {
  /// α: the largest relative error of a reported quantile.
  package static let relativeAccuracy = 0.005
  static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
  static let logGamma = log(gamma)

  /// Counts of buckets `offset`, `offset + 1`, ...: dense, because latencies span a narrow range
  /// of indexes (1 ms to 10 min is ~1,300 buckets), so merging is adding arrays.
  var counts: [UInt64] = []
  var offset: Int32 = 0
  /// Values that were 0 (or below the smallest bucket, 1 µs).
  package private(set) var zeroCount: UInt64 = 0
  /// How many values were recorded.
  package private(set) var count: UInt64 = 0

  package init() {}

  /// The bucket index of a positive value.
  static func index(of value: Double) -> Int32 {
    Int32((log(value) / LatencyHistogram.logGamma).rounded(.up))
  }

  /// Count per bucket index (non-empty buckets only).
  package var buckets: [Int32: UInt64] {
    var out: [Int32: UInt64] = [:]
    for (i, c) in counts.enumerated() where c > 0 { out[offset + Int32(i)] = c }
    return out
  }

  /// Makes room for buckets `low...high` with at most one new allocation.
  mutating func reserve(_ low: Int32, _ high: Int32) {
    if counts.isEmpty {
      offset = low
      counts = [UInt64](repeating: 0, count: Int(high - low) + 1)
      return
    }
    let newLow = min(low, offset)
    let newHigh = max(high, offset + Int32(counts.count) - 1)
    guard newLow < offset || newHigh > offset + Int32(counts.count) - 1 else { return }
    var grown = [UInt64](repeating: 0, count: Int(newHigh - newLow) + 1)
    let shift = Int(offset - newLow)
    grown.withUnsafeMutableBufferPointer { g in
      counts.withUnsafeBufferPointer { c in
        for i in 0..<c.count { g[shift + i] = c[i] }
      }
    }
    counts = grown
    offset = newLow
  }

  /// Makes room for bucket `index`.
  mutating func reserve(_ index: Int32) {
    if counts.isEmpty {
      // Room for the usual spread of latencies around the first one (about ±40%), so that
      // recording rarely grows the array.
      reserve(index - 32, index + 32)
    } else if index < offset {
      // Grow by at least the current size, so a histogram widening value by value costs
      // amortised constant time.
      reserve(min(index, offset - Int32(counts.count)), offset + Int32(counts.count) - 1)
    } else if Int(index - offset) >= counts.count {
      reserve(offset, max(index, offset + 2 * Int32(counts.count) - 1))
    }
  }

  @inline(__always) mutating func add(_ index: Int32, _ n: UInt64) {
    // Most values fall in the room already made: no call to grow it.
    let k = Int(index) &- Int(offset)
    if k >= 0 && k < counts.count {
      counts[k].addSaturating(n)
      return
    }
    reserve(index)
    counts[Int(index - offset)].addSaturating(n)
  }

  /// Records one latency in milliseconds.
  package mutating func record(_ value: Double, count n: UInt64 = 1) {
    count.addSaturating(n)
    if value < 0.001 || !value.isFinite {
      zeroCount.addSaturating(n)
      return
    }
    add(Self.index(of: value), n)
  }

  /// The bucket ``record(_:count:)`` puts `value` in, nil for a value counted with the zeros:
  /// a streamed call's latency goes in two histograms, and its logarithm is taken once.
  @inline(__always) package static func bucket(of value: Double) -> Int32? {
    value < 0.001 || !value.isFinite ? nil : index(of: value)
  }

  /// Records one value by its ``bucket(of:)``.
  @inline(__always) package mutating func record(bucket: Int32?) {
    count.addSaturating(1)
    guard let bucket else {
      zeroCount.addSaturating(1)
      return
    }
    add(bucket, 1)
  }

  /// Adds every count of `other` (histograms of adjacent buckets or series combine this way).
  package mutating func merge(_ other: LatencyHistogram) {
    count.addSaturating(other.count)
    zeroCount.addSaturating(other.zeroCount)
    guard !other.counts.isEmpty else { return }
    reserve(other.offset, other.offset + Int32(other.counts.count) - 1)
    let shift = Int(other.offset - offset)
    counts.withUnsafeMutableBufferPointer { mine in
      other.counts.withUnsafeBufferPointer { theirs in
        for i in 0..<theirs.count { mine[shift + i] &+= theirs[i] }
      }
    }
  }

  /// This histogram without the values of `other`, which must have been recorded into it too
  /// (a part of it): counts are taken away bucket by bucket, never below zero.
  package func subtracting(_ other: LatencyHistogram) -> LatencyHistogram {
    var out = self
    out.subtract(other)
    return out
  }

  /// ``subtracting(_:)`` in place (a sliding window's sum, without a copy of its buckets).
  package mutating func subtract(_ other: LatencyHistogram) {
    count = count > other.count ? count - other.count : 0
    zeroCount = zeroCount > other.zeroCount ? zeroCount - other.zeroCount : 0
    for (i, c) in other.counts.enumerated() where c > 0 {
      let k = Int(other.offset) + i - Int(offset)
      guard k >= 0 && k < counts.count else { continue }
      counts[k] = counts[k] > c ? counts[k] - c : 0
    }
  }

  /// How many values were above `ms` (a TTFT SLO's slow first tokens): the buckets wholly above
  /// it. The bucket that holds `ms` counts as at or below it, so a value within 0.5% above the
  /// threshold may count as good, never one below it as bad.
  package func count(above ms: Double) -> UInt64 {
    guard ms >= 0.001, ms.isFinite else { return ms < 0.001 ? count - min(count, zeroCount) : 0 }
    let first = Int(Self.index(of: ms) - offset) + 1
    guard first < counts.count else { return 0 }
    var n: UInt64 = 0
    for i in max(0, first)..<counts.count { n.addSaturating(counts[i]) }
    return n
  }

  /// The value of nearest rank `ceil(q * count)`, or `nil` when empty.
  package func quantile(_ q: Double) -> Double? {
    guard count > 0 else { return nil }
    // q comes from alerts.yaml, count from stored rollups: the rank is held within UInt64.
    let exact = (q * Double(count)).rounded(.up)
    let rank = exact >= 0x1p64 ? UInt64.max : exact > 1 ? UInt64(exact) : 1
    if rank <= zeroCount { return 0 }
    var seen = zeroCount
    for (i, c) in counts.enumerated() {
      seen.addSaturating(c)
      if seen >= rank { return 2 * pow(Self.gamma, Double(offset + Int32(i))) / (Self.gamma + 1) }
    }
    return nil
  }

  // MARK: Encoding

  /// A compact byte encoding for storage, cheap to merge: a format byte (1, 2, 3: 16-, 32-, 64-bit
  /// counts, the narrowest that holds them, so that a bucket's row stays within one page),
  /// varints of the zero count, the first index (zigzag) and the number of buckets, then the
  /// buckets' counts, little-endian. Adding one to a histogram is a loop of additions.
  package func encoded() -> [UInt8] {
    counts.withUnsafeBufferPointer { c in
      var first = 0
      while first < c.count && c[first] == 0 { first += 1 }
      var last = c.count
      while last > first && c[last - 1] == 0 { last -= 1 }
      var largest: UInt64 = 0
      for i in first..<last where c[i] > largest { largest = c[i] }
      let width = largest <= UInt64(UInt16.max) ? 2 : largest <= UInt64(UInt32.max) ? 4 : 8
      var header: [UInt8] = [width == 2 ? 1 : width == 4 ? 2 : 3]
      Varint.append(zeroCount, to: &header)
      Varint.append(Varint.zigzag(Int64(offset) + Int64(first)), to: &header)
      Varint.append(UInt64(last - first), to: &header)
      let total = header.count + (last - first) * width
      // Written in place: this runs for every rollup a batch touches, on the writer's thread.
      return [UInt8](unsafeUninitializedCapacity: total) { out, n in
        let raw = UnsafeMutableRawBufferPointer(out)
        header.withUnsafeBytes { raw.copyMemory(from: $0) }
        var at = header.count
        switch width {
        case 2:
          for i in first..<last {
            raw.storeBytes(
              of: UInt16(truncatingIfNeeded: c[i]).littleEndian, toByteOffset: at, as: UInt16.self)
            at += 2
          }
        case 4:
          for i in first..<last {
            raw.storeBytes(
              of: UInt32(truncatingIfNeeded: c[i]).littleEndian, toByteOffset: at, as: UInt32.self)
            at += 4
          }
        default:
          for i in first..<last {
            raw.storeBytes(of: c[i].littleEndian, toByteOffset: at, as: UInt64.self)
            at += 8
          }
        }
        n = total
      }
    }
  }

  /// Decodes ``encoded()``; `nil` for bytes that are not such an encoding.
  package init?(encoded bytes: UnsafeRawBufferPointer) {
    guard merge(encoded: bytes) else { return nil }
  }

  /// Adds an encoded histogram without decoding it into a second one; false (counts then
  /// unchanged) when the bytes are not an encoding.
  @discardableResult
  package mutating func merge(encoded bytes: UnsafeRawBufferPointer) -> Bool {
    guard let format = bytes.first, (1...3).contains(format) else { return false }
    var at = 1
    guard let zero = Varint.read(bytes, &at), let start = Varint.read(bytes, &at),
      let n = Varint.read(bytes, &at)
    else { return false }
    let width = format == 3 ? 8 : format == 2 ? 4 : 2
    let first = Varint.unzigzag(start)
    guard n < 200_000, first > -100_000, first < 100_000, bytes.count - at == Int(n) * width else {
      return false
    }
    zeroCount.addSaturating(zero)
    count.addSaturating(zero)
    guard n > 0 else { return true }
    reserve(Int32(first), Int32(first) + Int32(n) - 1)
    let shift = Int(Int32(first) - offset)
    var added: UInt64 = 0
    counts.withUnsafeMutableBufferPointer { mine in
      if width == 2 {
        for i in 0..<Int(n) {
          let c = UInt64(bytes.loadUnaligned(fromByteOffset: at + i * 2, as: UInt16.self).littleEndian)
          mine[shift + i] &+= c
          added &+= c
        }
      } else if width == 4 {
        for i in 0..<Int(n) {
          let c = UInt64(bytes.loadUnaligned(fromByteOffset: at + i * 4, as: UInt32.self).littleEndian)
          mine[shift + i] &+= c
          added &+= c
        }
      } else {
        for i in 0..<Int(n) {
          let c = bytes.loadUnaligned(fromByteOffset: at + i * 8, as: UInt64.self).littleEndian
          mine[shift + i] &+= c
          added &+= c
        }
      }
    }
    count.addSaturating(added)
    return true
  }
}
extension LatencyHistogram: Equatable {
  /// Equal when they hold the same counts, however their arrays are laid out.
  package static func == (a: LatencyHistogram, b: LatencyHistogram) -> Bool {
    a.count == b.count && a.zeroCount == b.zeroCount && a.buckets == b.buckets
  }
}
