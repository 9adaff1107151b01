#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A JSON Lines parser for the call-log contract, working on bytes.
///
/// It is a complete JSON parser: strings with every escape and `\u` surrogate pairs, UTF-8
/// validation, numbers in every JSON form, nested values (validated and skipped unless they hold a
/// known dotted field such as `{"http":{"response":{"status_code":429}}}`), duplicate keys (the
/// last one wins; a canonical name wins over its aliases), and insignificant whitespace.
///
/// ```swift
/// let parser = CallLogParser()
/// let record = try parser.parse(#"{"ts":"2026-11-25T13:32:04Z","status_code":503}"#)
/// ```
package struct CallLogParser: Sendable {
  /// Objects and arrays nested deeper than this are rejected (JSONSerialization's own limit is 512).
  package static let maxDepth = 512
  let keys: KeyPointers

  package init() { keys = KeyPointers(KeyTable.shared) }

  /// Parses one line (without its newline; a trailing `\r` is allowed as whitespace).
  package func parse(_ line: String) throws(RejectReason) -> CallRecord {
    var line = line
    let result: Result<CallRecord, RejectReason> = line.withUTF8 { buf in
      do throws(RejectReason) {
        return .success(try parse(UnsafeRawBufferPointer(buf)))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Parses one line given as bytes.
  package func parse(_ line: UnsafeRawBufferPointer) throws(RejectReason) -> CallRecord {
    var batch = CallBatch()
    try parse(line, into: &batch)
    return batch.record(at: 0)
  }

  /// Parses one line into `batch`: on success the call is added (and counted in its rollup); on
  /// failure the batch is as it was. This is the ingest path: no strings are made per line.
  package func parse(_ line: UnsafeRawBufferPointer, into batch: inout CallBatch) throws(RejectReason) {
    guard let base = line.baseAddress, line.count > 0 else {
      throw RejectReason(.syntax, "empty line")
    }
    // A batch addresses its text with 32-bit offsets; ingestion's own limit is far lower.
    guard line.count <= CallBatch.maxLineBytes else {
      throw RejectReason(.tooLong, "line of \(line.count) bytes is longer than \(CallBatch.maxLineBytes)")
    }
    let textBefore = batch.text.count
    do throws(RejectReason) {
      try withUnsafeMutablePointer(to: &batch) { pointer throws(RejectReason) in
        // Scalars are plain values: this memory needs no initialization and no cleanup. It is on
        // the stack while it takes at most 1 KiB (64 keys of 16 bytes); beyond that Swift asks the
        // thread for its stack bounds first, which costs an allocation per line.
        try withUnsafeTemporaryAllocation(of: Scalar.self, capacity: keys.keyCount) {
          values throws(RejectReason) in
          var reader = CallLogReader(
            base: base.assumingMemoryBound(to: UInt8.self), count: line.count, keys: keys, batch: pointer,
            values: values.baseAddress!)
          try reader.parseRecord()
        }
      }
    } catch {
      batch.truncateText(to: textBefore)
      throw error
    }
  }
}
