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
public struct LatencyHistogram: Sendable, Equatable {
  /// α: the largest relative error of a reported quantile.
  public static let relativeAccuracy = 0.005
  static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
  static let logGamma = log(gamma)

  /// Count per bucket index.
  public private(set) var buckets: [Int32: UInt64] = [:]
  /// Values that were 0 (or below the smallest bucket, 1 µs).
  public private(set) var zeroCount: UInt64 = 0
  /// How many values were recorded.
  public private(set) var count: UInt64 = 0

  public init() {}

  /// The bucket index of a positive value.
  static func index(of value: Double) -> Int32 {
    Int32((log(value) / LatencyHistogram.logGamma).rounded(.up))
  }

  /// Records one latency in milliseconds.
  public mutating func record(_ value: Double, count n: UInt64 = 1) {
    count += n
    if value < 0.001 || !value.isFinite {
      zeroCount += n
      return
    }
    buckets[Self.index(of: value), default: 0] += n
  }

  /// Adds every count of `other` (histograms of adjacent buckets or series combine this way).
  public mutating func merge(_ other: LatencyHistogram) {
    count += other.count
    zeroCount += other.zeroCount
    for (i, c) in other.buckets { buckets[i, default: 0] += c }
  }

  /// The value of nearest rank `ceil(q * count)`, or `nil` when empty.
  public func quantile(_ q: Double) -> Double? {
    guard count > 0 else { return nil }
    let rank = max(1, UInt64((q * Double(count)).rounded(.up)))
    if rank <= zeroCount { return 0 }
    var seen = zeroCount
    for i in buckets.keys.sorted() {
      seen += buckets[i]!
      if seen >= rank { return 2 * pow(Self.gamma, Double(i)) / (Self.gamma + 1) }
    }
    return nil
  }

  // MARK: Encoding

  /// A compact byte encoding for storage: varints of zero count, then (index delta, count) pairs.
  public func encoded() -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(4 + buckets.count * 3)
    Varint.append(zeroCount, to: &out)
    var previous: Int64 = 0
    for i in buckets.keys.sorted() {
      Varint.append(Varint.zigzag(Int64(i) - previous), to: &out)
      Varint.append(buckets[i]!, to: &out)
      previous = Int64(i)
    }
    return out
  }

  /// Decodes ``encoded()``; `nil` for bytes that are not such an encoding.
  public init?(encoded bytes: UnsafeRawBufferPointer) {
    var offset = 0
    guard let zero = Varint.read(bytes, &offset) else { return nil }
    zeroCount = zero
    count = zero
    var previous: Int64 = 0
    while offset < bytes.count {
      guard let delta = Varint.read(bytes, &offset), let c = Varint.read(bytes, &offset) else { return nil }
      previous += Varint.unzigzag(delta)
      guard let index = Int32(exactly: previous) else { return nil }
      buckets[index, default: 0] += c
      count += c
    }
  }

  /// Merges an encoded histogram without building a second dictionary.
  public mutating func merge(encoded bytes: UnsafeRawBufferPointer) -> Bool {
    guard let other = LatencyHistogram(encoded: bytes) else { return false }
    merge(other)
    return true
  }
}

/// LEB128 unsigned varints and zigzag signed mapping.
public enum Varint {
  @inlinable public static func append(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
      out.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    out.append(UInt8(v))
  }

  @inlinable public static func read(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while offset < bytes.count {
      let b = bytes[offset]
      offset += 1
      result |= UInt64(b & 0x7F) << shift
      if b < 0x80 { return result }
      shift += 7
      if shift > 63 { return nil }
    }
    return nil
  }

  @inlinable public static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
  @inlinable public static func unzigzag(_ v: UInt64) -> Int64 {
    Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
  }
}
