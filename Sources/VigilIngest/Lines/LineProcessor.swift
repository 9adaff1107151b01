import VigilCore
import VigilStore

/// Counts of what ingestion did, for summaries, progress and metrics.
package struct IngestStats: Sendable, Equatable {
  package var lines: Int64 = 0
  package var stored: Int64 = 0
  package var rejected: Int64 = 0
  /// Lines with nothing but whitespace: skipped, counted, not stored.
  package var blank: Int64 = 0
  package var bytes: Int64 = 0

  package init() {}

  package mutating func add(_ other: IngestStats) {
    lines += other.lines
    stored += other.stored
    rejected += other.rejected
    blank += other.blank
    bytes += other.bytes
  }
}

/// Turns lines into a batch of calls and rejects for one source.
///
/// The one way a line becomes a call or a reject, whatever carried it: a file or stdin (through a
/// ``LineSplitter``), a UDP datagram, an entry of the intake spool.
struct LineProcessor {
  let parser: CallLogParser
  let source: String
  var batch: IngestBatch
  var lineNumber: Int64
  var stats = IngestStats()
  /// Calls a batch makes room for up front (bulk imports), so that adding never regrows it.
  let capacity: Int

  init(source: String, lineNumber: Int64, capacity: Int = 0, parser: CallLogParser = CallLogParser()) {
    self.source = source
    self.lineNumber = lineNumber
    self.capacity = capacity
    self.parser = parser
    batch = IngestBatch(source: source, capacity: capacity)
  }

  /// The lines of one whole datagram: a reject keeps the datagram's number as its offset and the
  /// line's number within the datagram.
  mutating func handleDatagram(_ datagram: UnsafeRawBufferPointer, sequence: Int64, maxLineBytes: Int) {
    let firstReject = batch.rejects.count
    lineNumber = 0
    LineSplitter.eachLine(inWhole: datagram, maxLineBytes: maxLineBytes) { handle($0) }
    for k in firstReject..<batch.rejects.count { batch.rejects[k].offset = sequence }
  }

  mutating func handle(_ line: LineSplitter.Line) {
    lineNumber += 1
    stats.lines += 1
    if let length = line.tooLongLength {
      reject(line, RejectReason(.tooLong, "line of \(length) bytes is longer than the limit"))
      return
    }
    if isBlank(line.bytes) {
      stats.blank += 1
      return
    }
    do {
      try parser.parse(line.bytes, into: &batch.calls)
      stats.stored += 1
    } catch {
      reject(line, error)
    }
  }

  /// Handles the last line of a stream that has no newline and never will (stdin, a closed file).
  mutating func handleFinal(_ line: LineSplitter.Line) {
    if line.tooLongLength == nil, !isBlank(line.bytes), (try? parser.parse(line.bytes)) == nil {
      lineNumber += 1
      stats.lines += 1
      reject(
        line, RejectReason(.truncated, "last line has no newline and is not a valid record (truncated?)"))
      return
    }
    handle(line)
  }

  mutating func reject(_ line: LineSplitter.Line, _ reason: RejectReason) {
    stats.rejected += 1
    batch.rejects.append(
      Reject(source: source, offset: line.start, lineNumber: lineNumber, reason: reason, bytes: line.bytes))
  }

  func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
    for b in bytes where !(b == 32 || b == 9 || b == 13) { return false }
    return true
  }

  /// Takes the batch built so far, leaving an empty one.
  mutating func takeBatch() -> IngestBatch {
    defer { batch = IngestBatch(source: source, capacity: capacity) }
    batch.prepare()
    return batch
  }
}

/// What to do with a last line that has no newline when the input ends.
enum FinalLine {
  /// A file, which may still grow: store the line if it is a valid record, else leave it for the
  /// next run.
  case storeIfValid
  /// A stream that cannot grow (stdin): store the line or reject it as truncated.
  case storeOrReject
}

extension LineProcessor {
  /// Ends an input: handles the splitter's unfinished line by `policy`. Returns a note for the
  /// user when the line is left for the next run (and the splitter then ends before it).
  mutating func finish(_ splitter: inout LineSplitter, policy: FinalLine, name: String) -> String? {
    guard splitter.hasPartial else { return nil }
    let heldAt = splitter.partialStart
    if policy == .storeOrReject || splitter.discarding {
      splitter.flush { handleFinal($0) }
      return nil
    }
    var stored = true
    splitter.flush { line in
      if (try? parser.parse(line.bytes)) != nil { handle(line) } else { stored = false }
    }
    guard !stored else { return nil }
    splitter.reset(to: heldAt)
    return "\(name): last line (offset \(heldAt)) has no newline and is not valid yet; left for the next run"
  }
}
