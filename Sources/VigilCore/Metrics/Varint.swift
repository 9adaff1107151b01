#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// LEB128 unsigned varints and zigzag signed mapping.
package enum Varint {
  @inlinable package static func append(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
      out.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    out.append(UInt8(v))
  }

  @inlinable package static func read(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
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

  @inlinable package static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
  @inlinable package static func unzigzag(_ v: UInt64) -> Int64 {
    Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
  }
}
