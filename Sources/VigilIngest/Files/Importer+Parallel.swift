import VigilCore
import VigilStore
import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

extension Importer {
  /// One piece of a chunk's work, in file order within the chunk.
  struct ChunkMessage: Sendable {
    var batch: IngestBatch
    var stats: IngestStats
    /// Lines this batch covers (rejected and blank ones included).
    var lines: Int64
    /// The line boundary after this batch.
    var end: Int64
    /// The last message of its chunk.
    var last: Bool
    var note: String?
    var error: IngestError?
  }

  /// Reads a plain file with several parser threads while this thread writes.
  ///
  /// The file is cut into chunks of `chunkBytes`; a chunk owns the lines that *start* in it, so
  /// every thread finds the same boundaries without talking to the others. Worker `w` parses
  /// chunks `w`, `w + n`, ...; the writer takes them back in file order, so checkpoints only ever
  /// move forward and a crash resumes at the last committed line.
  func runParallel(
    fd: Int32, name: String, identity: Checkpoint, size: Int64, progress: ((IngestStats, Int64) -> Void)?,
    notes: inout [String]
  ) throws -> IngestStats {
    let start = identity.offset
    guard size > start else { return IngestStats() }
    let options = self.options
    let chunkBytes = Int64(options.chunkBytes)
    let chunkCount = Int((size - start + chunkBytes - 1) / chunkBytes)
    let workers = max(1, min(options.parseThreads, chunkCount))
    let queues = (0..<workers).map { _ in BlockingQueue<ChunkMessage>(capacity: options.queuedChunks) }
    let threads = (0..<workers).map { w in
      WorkerThread {
        Self.parseChunks(
          fd: fd, name: name, first: w, step: workers, count: chunkCount, start: start, size: size,
          options: options, queue: queues[w])
      }
    }
    let checkpointer = backgroundCheckpointer()
    defer {
      for q in queues { q.close() }
      for t in threads { t.join() }
      checkpointer?.stop()
    }
    var total = IngestStats()
    var lines = identity.lineNumber
    var checkpoint = identity
    for k in 0..<chunkCount {
      let chunkBase = lines
      while true {
        guard let message = queues[k % workers].take() else {
          throw IngestError("\(name): a parser thread stopped early")
        }
        if let error = message.error { throw error }
        if let note = message.note { notes.append(note) }
        var batch = message.batch
        for i in batch.rejects.indices {
          batch.rejects[i].lineNumber = batch.rejects[i].lineNumber.map { $0 + chunkBase }
        }
        lines += message.lines
        checkpoint.offset = message.end
        checkpoint.lineNumber = lines
        batch.checkpoint = checkpoint
        if !options.dryRun {
          do { try store.write(batch) } catch { throw IngestInterrupted(stored: total, cause: error) }
        }
        total.add(message.stats)
        progress?(total, message.end)
        if message.last { break }
      }
    }
    return total
  }

  /// The first line start at or after `position`: `position` itself when a line starts there.
  static func lineStart(fd: Int32, atOrAfter position: Int64, fileStart: Int64, size: Int64) -> Int64 {
    if position <= fileStart { return fileStart }
    if position >= size { return size }
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var at = position - 1
    while at < size {
      let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
      if n <= 0 { return size }
      if let i = buffer[..<n].firstIndex(of: 0x0A) { return min(size, at + Int64(i) + 1) }
      at += Int64(n)
    }
    return size
  }

  static func parseChunks(
    fd: Int32, name: String, first: Int, step: Int, count: Int, start: Int64, size: Int64,
    options: IngestOptions,
    queue: BlockingQueue<ChunkMessage>
  ) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: options.readSize, alignment: 16)
    defer { buffer.deallocate() }
    let chunkBytes = Int64(options.chunkBytes)
    var k = first
    while k < count {
      let begin = lineStart(fd: fd, atOrAfter: start + Int64(k) * chunkBytes, fileStart: start, size: size)
      let end =
        k == count - 1
        ? size : lineStart(fd: fd, atOrAfter: start + Int64(k + 1) * chunkBytes, fileStart: start, size: size)
      guard
        parseChunk(
          fd: fd, name: name, begin: begin, end: end, buffer: buffer,
          options: options, queue: queue)
      else { return }
      k += step
    }
  }

  /// Parses `[begin, end)`, sending a message per `batchLines`; false if the writer gave up.
  static func parseChunk(
    fd: Int32, name: String, begin: Int64, end: Int64, buffer: UnsafeMutableRawBufferPointer,
    options: IngestOptions, queue: BlockingQueue<ChunkMessage>
  ) -> Bool {
    var splitter = LineSplitter(maxLineBytes: options.maxLineBytes, startOffset: begin)
    var processor = LineProcessor(
      source: name, lineNumber: 0, capacity: min(options.batchLines, options.chunkBytes / 128))
    var linesSent: Int64 = 0
    func send(last: Bool, note: String? = nil, error: IngestError? = nil) -> Bool {
      let stats = processor.stats
      processor.stats = IngestStats()
      var batch = processor.takeBatch()
      if !options.dryRun { batch.encodeRollups() }
      let message = ChunkMessage(
        batch: batch, stats: stats, lines: processor.lineNumber - linesSent,
        end: splitter.lineBoundary,
        last: last, note: note, error: error)
      linesSent = processor.lineNumber
      return queue.put(message)
    }
    var position = begin
    while position < end {
      let want = Int(min(Int64(buffer.count), end - position))
      let n = pread(fd, buffer.baseAddress, want, off_t(position))
      if n < 0 && errno == EINTR { continue }
      if n < 0 { return send(last: true, error: IngestError.system("cannot read", name)) && false }
      if n == 0 { break }  // the file shrank while being read: what is gone is gone
      position += Int64(n)
      processor.stats.bytes += Int64(n)
      splitter.feed(UnsafeRawBufferPointer(rebasing: buffer[..<n])) { processor.handle($0) }
      if processor.batch.isFull(lines: options.batchLines) {
        guard send(last: false) else { return false }
      }
    }
    // Only the last chunk can end without a newline: its end is the end of the file.
    let note = processor.finish(&splitter, policy: .storeIfValid, name: name)
    return send(last: true, note: note)
  }
}
