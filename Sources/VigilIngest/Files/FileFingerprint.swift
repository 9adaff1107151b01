#if canImport(Glibc)
  import Glibc
#endif

/// Identifies a file by its first line, as Vector's checksum fingerprint does: the identity
/// survives a rename (logrotate's `create`), and a `.gz` of a file has the identity of the file.
///
/// Two files that begin with the same line are taken for one; call logs begin with a timestamp
/// and a request id, so this does not happen with real logs.
enum FileFingerprint {
  /// How much of the first line is hashed.
  static let maxBytes = 4096

  /// The fingerprint of a file's first bytes, or `nil` while its first line is incomplete.
  /// With `acceptPartial`, an incomplete first line is taken as it is (a file that will not grow).
  static func of(prefix: UnsafeRawBufferPointer, acceptPartial: Bool) -> String? {
    var length = min(prefix.count, maxBytes)
    if let base = prefix.baseAddress, let nl = memchr(base, 0x0A, length) {
      length = UnsafeRawPointer(nl) - base
    } else if prefix.count < maxBytes && !acceptPartial {
      return nil
    }
    guard length > 0 || prefix.count > 0 else { return nil }
    // FNV-1a, 64 bits.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in 0..<length {
      hash ^= UInt64(prefix[i])
      hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Reads the first bytes of the file at `path` (decompressed for `.gz`) and fingerprints them.
  static func of(path: String, acceptPartial: Bool) throws(IngestError) -> String? {
    let (source, _) = try openSource(path: path)
    defer { source.close() }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxBytes, alignment: 8)
    defer { buffer.deallocate() }
    var filled = 0
    while filled < maxBytes {
      let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
      if n == 0 { break }
      filled += n
      if memchr(buffer.baseAddress!, 0x0A, filled) != nil { break }
    }
    return of(prefix: UnsafeRawBufferPointer(rebasing: buffer[..<filled]), acceptPartial: acceptPartial)
  }
}
