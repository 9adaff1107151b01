package import VigilCore
package import VigilStore

#if canImport(Glibc)
  import Glibc
#endif

/// Settings of follow mode.
package struct FollowOptions: Sendable {
  package var ingest = IngestOptions()
  package var startAt = StartPosition.beginning
  /// A file no longer matched by any pattern (renamed away or deleted) is closed after this many
  /// polls without growth, once its last line is read.
  package var idlePollsBeforeClose = 2

  package init() {}
}

/// Tails files matched by glob patterns, like Vector's file source: new files, rotation by
/// rename-and-create and by copytruncate, partial last lines held until their newline, and a
/// checkpoint per file committed with its rows, so a restart resumes exactly where it stopped.
///
/// `poll()` does one round of work and returns; the caller decides when to call it again, so tests
/// drive it step by step and the daemon on a timer.
package final class Follower {
  let store: any IngestSink
  let patterns: [String]
  let options: FollowOptions
  var files: [FileKey: WatchedFile] = [:]
  var firstScan = true
  var events: [String] = []
  /// `.gz` files already handed to the one-shot importer, by identity and size.
  var gzipSeen: Set<GzipKey> = []

  struct FileKey: Hashable {
    var device: UInt64
    var inode: UInt64
  }

  struct GzipKey: Hashable {
    var key: FileKey
    var size: Int64
  }

  package init(store: any IngestSink, patterns: [String], options: FollowOptions = FollowOptions()) {
    self.store = store
    self.patterns = patterns
    self.options = options
  }
  /// A follower writing into `store` through a writer of its own (counted as `file`).
  package convenience init(store: Store, patterns: [String], options: FollowOptions = FollowOptions()) {
    self.init(
      store: IntakeWriter(store: store, door: "file") as any IngestSink, patterns: patterns, options: options)
  }

  deinit {
    for file in files.values { close(file.fd) }
  }

  /// What happened since the last call: files found, rotations, truncations, files closed.
  package func takeEvents() -> [String] {
    defer { events.removeAll() }
    return events
  }

  /// The paths being read now.
  package var watchedPaths: [String] { files.values.filter { $0.state == .reading }.map(\.path).sorted() }

  /// Lines read but not yet stored, because a write failed (the database locked, or its disk
  /// full). They are held, with their checkpoint, and written first at the next poll; no file is
  /// read further, and no checkpoint moves, until they are stored.
  package var heldLines: Int64 { files.values.reduce(0) { $0 + ($1.unsent?.stats.lines ?? 0) } }

  /// One round: find files, notice rotation and truncation, read what is new, store it.
  @discardableResult
  package func poll() throws -> IngestStats {
    var stats = IngestStats()
    try scan(&stats)
    try identifyNewFiles()
    try detectTruncation(&stats)
    for file in files.values.sorted(by: { $0.path < $1.path }) where file.state == .reading {
      try read(file, &stats)
    }
    try closeFinished(&stats)
    firstScan = false
    return stats
  }

  // MARK: Discovery

  /// The patterns that match no file now: worth a warning at start (a typo follows nothing).
  package static func unmatched(_ patterns: [String]) -> [String] {
    patterns.filter { pattern in
      var g = glob_t()
      defer { globfree(&g) }
      return glob(pattern, 0, nil, &g) != 0 || g.gl_pathc == 0
    }
  }

  func expand(_ pattern: String) -> [String] {
    var g = glob_t()
    defer { globfree(&g) }
    guard glob(pattern, 0, nil, &g) == 0 else { return [] }
    return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
  }

  func scan(_ stats: inout IngestStats) throws {
    for file in files.values { file.matched = false }
    var paths = Set<String>()
    for pattern in patterns { paths.formUnion(expand(pattern)) }
    for path in paths.sorted() {
      var st = stat()
      guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
      let key = FileKey(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
      if let file = files[key] {
        if file.path != path {
          events.append("\(file.path): renamed to \(path)")
          file.path = path
        }
        file.matched = true
        continue
      }
      if path.hasSuffix(".gz") {
        try readGzip(path, GzipKey(key: key, size: Int64(st.st_size)), &stats)
        continue
      }
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else {
        events.append("\(path): cannot open: \(String(cString: strerror(errno)))")
        continue
      }
      let file = WatchedFile(path: path, fd: fd, key: key, options: options.ingest)
      file.existedAtStart = firstScan
      files[key] = file
      events.append("\(path): found")
    }
  }

  /// Rotated and compressed files are complete: read them once, from their checkpoint. A write
  /// that fails leaves the file to be read again at the next poll, from the checkpoint it reached.
  func readGzip(_ path: String, _ key: GzipKey, _ stats: inout IngestStats) throws {
    guard !gzipSeen.contains(key) else { return }
    // logrotate's `compress` without `delaycompress`: the file it compressed may still be open
    // here (renamed, or a copy), and not yet read to its end. The open file holds every line the
    // archive does, and those written after: it is read to its end, and the archive is skipped.
    // Not so an original that copytruncate emptied: then the archive holds its tail.
    if let fingerprint = try? FileFingerprint.of(path: path, acceptPartial: true),
      let open = files.values.first(where: {
        $0.fingerprint == fingerprint && $0.stillSameContent() && ($0.size() ?? 0) >= $0.splitter.offset
      })
    {
      gzipSeen.insert(key)
      events.append("\(path): a compressed copy of \(open.path), which is read instead")
      return
    }
    do {
      let result = try Importer(store: store, options: options.ingest).ingest(path: path)
      gzipSeen.insert(key)
      stats.add(result.stats)
      if result.stats.lines > 0 {
        events.append("\(path): read \(result.stats.lines) lines from the compressed file")
      }
    } catch let error as IngestInterrupted {
      stats.add(error.stored)
      throw error.cause
    } catch let error as StoreError {
      throw error
    } catch {
      // A damaged archive stops nothing else: what it held before the damage is stored.
      gzipSeen.insert(key)
      events.append("\(path): \(error)")
    }
  }

  /// Gives files whose first line is complete their identity and start position.
  func identifyNewFiles() throws {
    for file in files.values.sorted(by: { $0.path < $1.path }) where file.state == .unidentified {
      guard let fingerprint = file.readFingerprint(acceptPartial: !file.matched) else { continue }
      if let original = files.values.first(where: {
        $0 !== file && $0.fingerprint == fingerprint && $0.state == .reading && $0.matched
      }) {
        // Same first line as a file being read: a copy (copytruncate's), read only if the original
        // is truncated or goes away.
        file.fingerprint = fingerprint
        file.state = .shadow
        file.shadowOf = original.key
        events.append("\(file.path): a copy of \(original.path); held until that file is truncated or gone")
        continue
      }
      try start(file, fingerprint: fingerprint)
    }
  }

  func start(_ file: WatchedFile, fingerprint: String) throws {
    file.fingerprint = fingerprint
    file.state = .reading
    let size = file.size() ?? 0
    var offset: Int64 = 0
    var lineNumber: Int64 = 0
    if let forced = file.forcedStart {
      offset = forced
    } else if let saved = try store.checkpoint(fingerprint: fingerprint), saved.offset <= size {
      offset = saved.offset
      lineNumber = saved.lineNumber
      if offset > 0 { events.append("\(file.path): resuming at byte \(offset)") }
    } else if file.existedAtStart && options.startAt == .end {
      offset = file.lastLineBoundary(before: size)
      events.append("\(file.path): starting at the end (byte \(offset))")
    }
    file.forcedStart = nil
    file.begin(at: offset, lineNumber: lineNumber)
    if offset > 0 {
      var batch = IngestBatch(source: file.path)
      batch.checkpoint = file.checkpoint()
      try store.write(batch)
    }
  }

  // MARK: Truncation

  func detectTruncation(_ stats: inout IngestStats) throws {
    for file in files.values where file.state == .reading {
      let size = file.size() ?? 0
      let shrank = size < file.splitter.offset
      let rewritten =
        !shrank
        && file.readFingerprint(acceptPartial: false).map { $0 != file.fingerprint }
          ?? (size == 0 && file.splitter.offset > 0)
      guard shrank || rewritten else { continue }
      // copytruncate: the lines written since the last read are in the copy, if it is watched.
      if let copy = files.values.first(where: { $0.state == .shadow && $0.shadowOf == file.key }) {
        try drain(copy, from: file, &stats)
      } else {
        events.append(
          "\(file.path): truncated; lines written after byte \(file.splitter.offset) before the truncation are lost unless its copy is matched"
        )
      }
      events.append("\(file.path): truncated, reading from the start")
      file.state = .unidentified
      file.fingerprint = nil
      file.forcedStart = 0
      file.begin(at: 0, lineNumber: 0)
    }
  }

  /// Reads the copy of a truncated file from where the original was read to the copy's end. The
  /// stored checkpoint of their common identity wins when it is further on: a compressed copy of
  /// the same lines (logrotate's `compress` without `delaycompress`) may have been read already.
  func drain(_ copy: WatchedFile, from original: WatchedFile, _ stats: inout IngestStats) throws {
    var start = (offset: original.splitter.lineBoundary, line: original.processor.lineNumber)
    if let fingerprint = copy.fingerprint, let saved = try store.checkpoint(fingerprint: fingerprint),
      saved.offset > start.offset
    {
      start = (saved.offset, saved.lineNumber)
    }
    // The original may have been read past the copy's end: lines written after logrotate copied
    // and before it truncated, which only the original held. Then the copy has nothing new, and
    // it must not look truncated (its read position past its end) and be read again from byte 0.
    if let size = copy.size(), start.offset > size { start.offset = size }
    copy.begin(at: start.offset, lineNumber: start.line)
    copy.state = .reading
    copy.shadowOf = nil
    try read(copy, &stats)
    events.append("\(copy.path): read the copy of \(original.path) to its end")
  }

  // MARK: Reading

  func read(_ file: WatchedFile, _ stats: inout IngestStats) throws {
    // Lines held from a failed write go first; nothing more is read until they are stored.
    try commitHeld(file, &stats)
    var grew = false
    while true {
      let n = file.readChunk()
      if n < 0 {
        events.append("\(file.path): read error: \(String(cString: strerror(errno)))")
        break
      }
      if n == 0 { break }
      // The file may have been truncated and written anew while it was read (copytruncate under
      // load): then these bytes may be the new content, at the old offset. They are dropped; the
      // next round sees the truncation and reads the new content from its start, and the old
      // content's tail from the copy.
      guard file.stillSameContent() else { break }
      grew = true
      file.processor.stats.bytes += Int64(n)
      file.feedChunk(n)
      if file.processor.batch.isFull(lines: options.ingest.batchLines) {
        try commit(file, &stats)
      }
    }
    file.idlePolls = grew ? 0 : file.idlePolls + 1
    try commit(file, &stats)
  }

  /// Stores what was read since the last commit, with the checkpoint after it. When the write
  /// fails, the batch is held (its lines are not read again) and the error is thrown.
  func commit(_ file: WatchedFile, _ stats: inout IngestStats) throws {
    try commitHeld(file, &stats)
    let checkpoint = file.checkpoint()
    guard !file.processor.batch.isEmpty || checkpoint.offset != file.committedOffset else { return }
    var batch = file.processor.takeBatch()
    batch.checkpoint = checkpoint
    file.unsent = HeldBatch(batch: batch, stats: file.processor.stats)
    file.processor.stats = IngestStats()
    try commitHeld(file, &stats)
  }

  /// Writes the file's held batch, if any; it stays held when the write fails.
  func commitHeld(_ file: WatchedFile, _ stats: inout IngestStats) throws {
    guard let held = file.unsent else { return }
    try store.write(held.batch)
    file.unsent = nil
    file.committedOffset = held.batch.checkpoint?.offset ?? file.committedOffset
    stats.add(held.stats)
  }

  /// Closes files that are no longer matched and have stopped growing; their last line, if it
  /// never got a newline, is stored if valid or rejected as truncated.
  func closeFinished(_ stats: inout IngestStats) throws {
    for (key, file) in files where !file.matched {
      let gone = file.state != .reading || file.idlePolls >= options.idlePollsBeforeClose
      guard gone else { continue }
      if file.state == .reading {
        if file.splitter.hasPartial { file.splitter.flush { file.processor.handleFinal($0) } }
        // Also writes a batch held from a failed write: a file is never closed with lines unstored.
        try commit(file, &stats)
      }
      close(file.fd)
      files[key] = nil
      events.append("\(file.path): closed (no longer matched)")
      // A copy waiting on this file now stands on its own, from the checkpoint.
      for copy in files.values where copy.state == .shadow && copy.shadowOf == key {
        copy.state = .unidentified
        copy.shadowOf = nil
      }
    }
  }
}

/// One file being followed.
final class WatchedFile {
  enum State { case unidentified, reading, shadow }

  var path: String
  let fd: Int32
  let key: Follower.FileKey
  var state = State.unidentified
  var fingerprint: String?
  var matched = true
  var existedAtStart = false
  var idlePolls = 0
  var forcedStart: Int64?
  var shadowOf: Follower.FileKey?
  var splitter: LineSplitter
  var processor: LineProcessor
  var committedOffset: Int64 = 0
  /// A batch whose write failed, waiting to be written again.
  var unsent: HeldBatch?
  let buffer: UnsafeMutableRawBufferPointer
  let maxLineBytes: Int

  init(path: String, fd: Int32, key: Follower.FileKey, options: IngestOptions) {
    self.path = path
    self.fd = fd
    self.key = key
    maxLineBytes = options.maxLineBytes
    splitter = LineSplitter(maxLineBytes: options.maxLineBytes, startOffset: 0)
    processor = LineProcessor(source: path, lineNumber: 0)
    buffer = .allocate(byteCount: options.readSize, alignment: 16)
  }

  deinit { buffer.deallocate() }

  func size() -> Int64? {
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    return Int64(st.st_size)
  }

  func readFingerprint(acceptPartial: Bool) -> String? {
    let prefix = UnsafeMutableRawBufferPointer.allocate(byteCount: FileFingerprint.maxBytes, alignment: 8)
    defer { prefix.deallocate() }
    let n = pread(fd, prefix.baseAddress, prefix.count, 0)
    guard n > 0 else { return nil }
    return FileFingerprint.of(
      prefix: UnsafeRawBufferPointer(rebasing: prefix[..<n]), acceptPartial: acceptPartial)
  }

  /// Whether the file still begins with the line it was identified by: false once it has been
  /// truncated (and perhaps written again) since.
  func stillSameContent() -> Bool {
    guard let fingerprint else { return true }
    return readFingerprint(acceptPartial: true) == fingerprint
  }

  /// The offset just after the last newline before `size`, so that starting at the end never
  /// starts in the middle of a line.
  func lastLineBoundary(before size: Int64) -> Int64 {
    var end = size
    while end > 0 {
      let start = max(0, end - Int64(buffer.count))
      let n = pread(fd, buffer.baseAddress, Int(end - start), off_t(start))
      guard n > 0 else { return 0 }
      if let k = UnsafeRawBufferPointer(rebasing: buffer[..<n]).lastIndex(of: 0x0A) {
        return start + Int64(k) + 1
      }
      end = start
    }
    return 0
  }

  func begin(at offset: Int64, lineNumber: Int64) {
    splitter = LineSplitter(maxLineBytes: maxLineBytes, startOffset: offset)
    processor = LineProcessor(source: path, lineNumber: lineNumber)
    committedOffset = offset
    unsent = nil
  }

  /// Reads the next bytes after what was read; 0 at the end for now, -1 on error.
  func readChunk() -> Int {
    while true {
      let n = pread(fd, buffer.baseAddress, buffer.count, off_t(splitter.offset))
      if n < 0 && errno == EINTR { continue }
      return n
    }
  }

  func feedChunk(_ n: Int) {
    splitter.feed(UnsafeRawBufferPointer(rebasing: buffer[..<n])) { processor.handle($0) }
  }

  func checkpoint() -> Checkpoint {
    Checkpoint(
      fingerprint: fingerprint ?? "", path: path, device: key.device, inode: key.inode,
      offset: splitter.lineBoundary,
      lineNumber: processor.lineNumber)
  }
}

/// A batch read but not yet stored, with what its lines counted.
struct HeldBatch {
  var batch: IngestBatch
  var stats: IngestStats
}
