import VigilStore

#if canImport(Glibc)
  import Glibc
#endif

/// Splits a byte stream into lines with their offsets, in bounded memory.
///
/// Lines inside a chunk are handed out without copying. A line that runs past `maxLineBytes` is
/// not buffered: its first ``Reject/maxStoredBytes`` bytes are kept and the rest is skipped up to
/// its newline, then it is handed out as too long.
struct LineSplitter {
  /// One line: its bytes (without the newline), where it starts, and where the next one starts.
  struct Line {
    var bytes: UnsafeRawBufferPointer
    var start: Int64
    var end: Int64
    /// Set when the line was longer than the limit: its full length; `bytes` holds a prefix.
    var tooLongLength: Int64?
  }

  let maxLineBytes: Int
  /// Bytes of the unfinished line.
  var partial: [UInt8] = []
  /// Offset of the unfinished line's first byte.
  var partialStart: Int64
  /// The unfinished line is over the limit; `partial` holds only its prefix.
  var discarding = false
  var discardedLength: Int64 = 0
  /// Offset of the next byte to be fed.
  var offset: Int64

  init(maxLineBytes: Int, startOffset: Int64) {
    self.maxLineBytes = maxLineBytes
    partialStart = startOffset
    offset = startOffset
  }

  /// Whether bytes of an unfinished line are pending.
  var hasPartial: Bool { discarding || !partial.isEmpty }

  /// Offset after the last complete line handed out: where a restart must resume.
  var lineBoundary: Int64 { hasPartial ? partialStart : offset }

  mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (Line) -> Void) {
    guard let base = chunk.baseAddress, chunk.count > 0 else { return }
    var i = 0
    let n = chunk.count
    while i < n {
      let found = memchr(base + i, 0x0A, n - i)
      let lineEnd = found.map { UnsafeRawPointer($0) - base } ?? n
      let piece = UnsafeRawBufferPointer(start: base + i, count: lineEnd - i)
      if found == nil {
        append(piece)
        offset += Int64(n - i)
        return
      }
      let end = offset + Int64(lineEnd - i) + 1
      if hasPartial {
        append(piece)
        if discarding {
          let length = discardedLength
          partial.withUnsafeBytes {
            emit(Line(bytes: $0, start: partialStart, end: end, tooLongLength: length))
          }
        } else {
          partial.withUnsafeBytes { emit(Line(bytes: $0, start: partialStart, end: end, tooLongLength: nil)) }
        }
        partial.removeAll(keepingCapacity: partial.capacity <= 1 << 16)
        discarding = false
        discardedLength = 0
      } else if piece.count > maxLineBytes {
        emit(
          Line(
            bytes: UnsafeRawBufferPointer(rebasing: piece[..<min(piece.count, Reject.maxStoredBytes)]),
            start: offset, end: end,
            tooLongLength: Int64(piece.count)))
      } else {
        emit(Line(bytes: piece, start: offset, end: end, tooLongLength: nil))
      }
      offset = end
      partialStart = end
      i = lineEnd + 1
    }
  }

  /// Hands out every line of a buffer that is whole (a datagram, an entry of the intake spool):
  /// its last line ends with the buffer, newline or not. Nothing is copied.
  static func eachLine(inWhole buffer: UnsafeRawBufferPointer, maxLineBytes: Int, _ emit: (Line) -> Void) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    var end = buffer.count
    while end > 0 && buffer[end - 1] != 0x0A { end -= 1 }
    var splitter = LineSplitter(maxLineBytes: maxLineBytes, startOffset: 0)
    splitter.feed(UnsafeRawBufferPointer(start: base, count: end), emit)
    guard end < buffer.count else { return }
    let last = UnsafeRawBufferPointer(start: base + end, count: buffer.count - end)
    let tooLong = last.count > maxLineBytes
    emit(
      Line(
        bytes: tooLong ? UnsafeRawBufferPointer(rebasing: last[..<Reject.maxStoredBytes]) : last,
        start: Int64(end), end: Int64(buffer.count), tooLongLength: tooLong ? Int64(last.count) : nil))
  }

  /// Adds bytes to the unfinished line, switching to discarding past the limit.
  mutating func append(_ piece: UnsafeRawBufferPointer) {
    if !hasPartial { partialStart = offset }
    if discarding {
      discardedLength += Int64(piece.count)
      return
    }
    if partial.count + piece.count > maxLineBytes {
      let keep = max(0, Reject.maxStoredBytes - partial.count)
      partial.append(contentsOf: piece.prefix(keep))
      if partial.count > Reject.maxStoredBytes { partial.removeLast(partial.count - Reject.maxStoredBytes) }
      discardedLength = offset + Int64(piece.count) - partialStart
      discarding = true
      return
    }
    partial.append(contentsOf: piece)
  }

  /// Hands out the unfinished line as if its newline had come (end of a stream that cannot grow).
  mutating func flush(_ emit: (Line) -> Void) {
    guard hasPartial else { return }
    let length: Int64? = discarding ? discardedLength : nil
    partial.withUnsafeBytes { emit(Line(bytes: $0, start: partialStart, end: offset, tooLongLength: length)) }
    partial.removeAll()
    discarding = false
    discardedLength = 0
    partialStart = offset
  }

  /// Forgets everything and starts again at `offset` (after a truncation).
  mutating func reset(to newOffset: Int64) {
    partial.removeAll()
    discarding = false
    discardedLength = 0
    offset = newOffset
    partialStart = newOffset
  }
}
