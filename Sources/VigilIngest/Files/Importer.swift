import VigilCore
package import VigilStore
import VigilSync

/// Settings shared by one-shot and follow ingestion.
package struct IngestOptions: Sendable {
  /// Lines longer than this are rejected and skipped, never buffered whole.
  package var maxLineBytes = VigilDefaults.maxLineBytes
  /// Lines per transaction.
  package var batchLines = 32_768
  /// Bytes per read.
  package var readSize = 1 << 20
  /// Parse and count, but store nothing (to check a file, or to measure the parser alone).
  package var dryRun = false
  /// Threads that parse a plain file in parallel while another writes.
  package var parseThreads = 2
  /// How a plain file is cut up between parser threads.
  package var chunkBytes = 4 << 20
  /// Parsed chunks each parser thread may have waiting for the writer. One: a parser that runs
  /// further ahead takes processor time the writer needs, and what it parsed ahead is written at
  /// the end, alone. With four, a 1M-line import's writer still had ~100k lines to write when the
  /// last line was parsed, a tenth of the run with one core idle.
  package var queuedChunks = 1

  package init() {}
}

/// Progress of a long import, reported after each stored batch.
package struct IngestProgress: Sendable {
  package var source: String
  package var stats: IngestStats
  /// Bytes of the current file read so far, and its size (compressed size for `.gz`: unknown, 0).
  package var position: Int64
  package var total: Int64
}

/// What one file's import did.
package struct FileIngestResult: Sendable {
  package var source: String
  package var stats = IngestStats()
  /// Where reading started (0, or a checkpoint).
  package var startOffset: Int64 = 0
  /// Something a user should know: an incomplete last line left for later, a file already read.
  package var notes: [String] = []
}

/// An import stopped by a failed write (the database locked, or its disk full) after storing
/// some batches: what was stored before, and why it stopped. What was stored is committed with
/// its checkpoint, so the next run resumes after it.
package struct IngestInterrupted: Error, CustomStringConvertible {
  package var stored: IngestStats
  package var cause: any Error
  package var description: String { "\(cause)" }
}

/// Where imported batches go: the database (always through an ``IntakeWriter``), or, for
/// backtests, rollups in memory.
package protocol IngestSink: AnyObject {
  /// The checkpoint of a file identity, if one is kept.
  func checkpoint(fingerprint: String) throws -> Checkpoint?
  /// Stores one batch, with its checkpoint, atomically.
  func write(_ batch: IngestBatch) throws
}

/// One-shot ingestion of files and stdin: reads from each file's checkpoint to its end, parsing on
/// one thread while the store writes on the caller's, and commits each batch with its checkpoint.
package final class Importer {
  let store: any IngestSink
  let options: IngestOptions

  package init(store: any IngestSink, options: IngestOptions = IngestOptions()) {
    self.store = store
    self.options = options
  }

  /// An importer into `store`, through a writer of its own (files, counted as `file`).
  package convenience init(store: Store, options: IngestOptions = IngestOptions()) {
    self.init(store: IntakeWriter(store: store, door: "file") as any IngestSink, options: options)
  }

  /// Reads `path` from where the last run stopped to its end.
  ///
  /// A last line without a newline is stored if it is a valid record; otherwise it is left for the
  /// next run (the writer may still be writing it) and a note says so.
  package func ingest(path: String, progress: ((IngestProgress) -> Void)? = nil) throws -> FileIngestResult {
    var result = FileIngestResult(source: path)
    guard let fingerprint = try FileFingerprint.of(path: path, acceptPartial: true) else {
      result.notes.append("\(path): empty, nothing to read")
      return result
    }
    let (source, stat) = try openSource(path: path)
    defer { source.close() }
    var start: Int64 = 0
    var lineNumber: Int64 = 0
    if let saved = try store.checkpoint(fingerprint: fingerprint) {
      if path.hasSuffix(".gz") || saved.offset <= stat.size {
        start = saved.offset
        lineNumber = saved.lineNumber
      } else {
        result.notes.append("\(path): shorter than its checkpoint (truncated?), reading from the start")
      }
    }
    let reached = try source.seek(to: start)
    if reached < start {
      // A .gz that is shorter than what was read of its plain file: nothing new in it.
      result.notes.append("\(path): already read")
      return result
    }
    result.startOffset = start
    let identity = Checkpoint(
      fingerprint: fingerprint, path: path, device: stat.device, inode: stat.inode, offset: start,
      lineNumber: lineNumber)
    let total = path.hasSuffix(".gz") ? 0 : stat.size
    if let plain = source as? PlainFileSource {
      result.stats = try runParallel(
        fd: plain.fd, name: path, identity: identity, size: stat.size,
        progress: progress.map { report in
          { report(IngestProgress(source: path, stats: $0, position: $1, total: total)) }
        },
        notes: &result.notes)
      return result
    }
    // Inflating costs about as much as parsing: a thread of its own for it.
    let ahead = ReadAheadSource(source)
    defer { ahead.close() }
    result.stats = try run(
      source: SendableSource(ahead), name: path, identity: identity, finalLine: .storeIfValid,
      progress: progress.map { report in
        { report(IngestProgress(source: path, stats: $0, position: $1, total: total)) }
      },
      notes: &result.notes)
    return result
  }

  /// Reads standard input (or any descriptor) to its end. There is no checkpoint: a pipe cannot be
  /// read twice. A last line without a newline is stored if valid, else rejected as truncated.
  package func ingestStream(fd: Int32, name: String = "-", progress: ((IngestProgress) -> Void)? = nil) throws
    -> FileIngestResult
  {
    var result = FileIngestResult(source: name)
    let source = PlainFileSource(fd: fd, path: name)
    result.stats = try run(
      source: SendableSource(source), name: name, identity: nil, finalLine: .storeOrReject,
      progress: progress.map { report in
        { report(IngestProgress(source: name, stats: $0, position: $1, total: 0)) }
      },
      notes: &result.notes)
    return result
  }

  /// The thread that writes is the one everything waits for: WAL checkpoints go to another one
  /// (none for a dry run or a sink that is not a database).
  func backgroundCheckpointer() -> BackgroundCheckpointer? {
    guard !options.dryRun, let writer = store as? IntakeWriter else { return nil }
    return try? BackgroundCheckpointer(store: writer.store)
  }

  /// A batch, or the end of the producer's work.
  enum Message: Sendable {
    case batch(IngestBatch, IngestStats, position: Int64)
    case note(String)
    case failed(IngestError)
  }

  /// Parses on a worker thread and writes on this one.
  func run(
    source: SendableSource, name: String, identity: Checkpoint?, finalLine: FinalLine,
    progress: ((IngestStats, Int64) -> Void)?, notes: inout [String]
  ) throws -> IngestStats {
    let queue = BlockingQueue<Message>(capacity: 3)
    let options = self.options
    let worker = WorkerThread {
      Self.produce(
        source: source.value, name: name, identity: identity, finalLine: finalLine, options: options,
        queue: queue)
    }
    let checkpointer = backgroundCheckpointer()
    defer {
      worker.join()
      checkpointer?.stop()
    }
    var total = IngestStats()
    while let message = queue.take() {
      switch message {
      case .batch(let batch, let stats, let position):
        do {
          if !options.dryRun { try store.write(batch) }
        } catch {
          queue.close()
          throw IngestInterrupted(stored: total, cause: error)
        }
        total.add(stats)
        progress?(total, position)
      case .note(let note): notes.append(note)
      case .failed(let error):
        queue.close()
        throw error
      }
    }
    return total
  }

  static func produce(
    source: any ByteSource, name: String, identity: Checkpoint?, finalLine: FinalLine, options: IngestOptions,
    queue: BlockingQueue<Message>
  ) {
    defer { queue.close() }
    var splitter = LineSplitter(maxLineBytes: options.maxLineBytes, startOffset: identity?.offset ?? 0)
    var processor = LineProcessor(source: name, lineNumber: identity?.lineNumber ?? 0)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: options.readSize, alignment: 16)
    defer { buffer.deallocate() }

    func send() -> Bool {
      var batch = processor.takeBatch()
      if !options.dryRun { batch.encodeRollups() }
      if var checkpoint = identity {
        checkpoint.offset = splitter.lineBoundary
        checkpoint.lineNumber = processor.lineNumber
        batch.checkpoint = checkpoint
      }
      let stats = processor.stats
      processor.stats = IngestStats()
      return queue.put(.batch(batch, stats, position: splitter.offset))
    }

    do {
      while true {
        let n = try source.read(into: buffer)
        if n == 0 { break }
        processor.stats.bytes += Int64(n)
        splitter.feed(UnsafeRawBufferPointer(rebasing: buffer[..<n])) { processor.handle($0) }
        if processor.batch.isFull(lines: options.batchLines) {
          guard send() else { return }
        }
      }
      if let note = processor.finish(&splitter, policy: finalLine, name: name) { _ = queue.put(.note(note)) }
      _ = send()
    } catch {
      _ = send()
      _ = queue.put(.failed(error))
    }
  }
}

/// A byte source handed to the worker thread, which is then its only user.
struct SendableSource: @unchecked Sendable {
  let value: any ByteSource
  init(_ value: any ByteSource) { self.value = value }
}
