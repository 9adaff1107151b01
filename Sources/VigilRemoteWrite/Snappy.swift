import CSnappy

/// Snappy's block format (not the framed one), which remote write requires, through Debian's
/// libsnappy: what serve sends, and what a receiver in the tests (or a fuzz target) reads back.
package enum Snappy {
  /// `input` compressed.
  package static func compress(_ input: [UInt8]) -> [UInt8] {
    var length = snappy_max_compressed_length(input.count)
    var out = [UInt8](repeating: 0, count: length)
    let status = input.withUnsafeBufferPointer { i in
      out.withUnsafeMutableBufferPointer { o in
        i.withMemoryRebound(to: CChar.self) { i in
          o.withMemoryRebound(to: CChar.self) { o in
            snappy_compress(i.baseAddress, i.count, o.baseAddress, &length)
          }
        }
      }
    }
    // Compression cannot fail into a buffer of the maximum length.
    precondition(status == SNAPPY_OK, "snappy_compress failed")
    out.removeSubrange(length...)
    return out
  }

  /// What `input` decompresses to; nil when it is not valid snappy or would be larger than
  /// `maxBytes` (checked from its header before any memory is taken).
  package static func decompress(_ input: [UInt8], maxBytes: Int) -> [UInt8]? {
    input.withUnsafeBufferPointer { i in
      i.withMemoryRebound(to: CChar.self) { i -> [UInt8]? in
        var length = 0
        guard snappy_uncompressed_length(i.baseAddress, i.count, &length) == SNAPPY_OK, length <= maxBytes,
          snappy_validate_compressed_buffer(i.baseAddress, i.count) == SNAPPY_OK
        else { return nil }
        var out = [UInt8](repeating: 0, count: length)
        let status = out.withUnsafeMutableBufferPointer { o in
          o.withMemoryRebound(to: CChar.self) { o in
            snappy_uncompress(i.baseAddress, i.count, o.baseAddress, &length)
          }
        }
        guard status == SNAPPY_OK else { return nil }
        out.removeSubrange(length...)
        return out
      }
    }
  }
}
