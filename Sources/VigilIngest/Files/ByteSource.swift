import CZlib
import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

/// An error reading an input, with the path and the system's reason.
package struct IngestError: Error, CustomStringConvertible, Sendable {
  package var message: String
  package init(_ message: String) { self.message = message }
  package var description: String { message }

  static func system(_ what: String, _ path: String, _ code: Int32 = errno) -> IngestError {
    IngestError("\(what) \(path): \(String(cString: strerror(code)))")
  }
}

/// Where bytes come from: a plain file descriptor or a gzip stream over one.
protocol ByteSource: AnyObject {
  /// Reads up to `buffer.count` bytes; 0 at (current) end of data.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int
  /// Moves to `offset` in the (decompressed) data; returns the offset reached, lower if the data ends first.
  func seek(to offset: Int64) throws(IngestError) -> Int64
  func close()
}

/// The identity of an open file: device and inode, and its size now.
struct FileStat: Equatable {
  var device: UInt64
  var inode: UInt64
  var size: Int64

  init?(fd: Int32) {
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    device = UInt64(st.st_dev)
    inode = UInt64(st.st_ino)
    size = Int64(st.st_size)
  }

  init?(path: String) {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    device = UInt64(st.st_dev)
    inode = UInt64(st.st_ino)
    size = Int64(st.st_size)
  }
}

/// A plain file, read with `read(2)`.
final class PlainFileSource: ByteSource {
  let fd: Int32
  let path: String

  init(fd: Int32, path: String) {
    self.fd = fd
    self.path = path
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
    while true {
      let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
      if n >= 0 { return n }
      if errno == EINTR { continue }
      throw IngestError.system("cannot read", path)
    }
  }

  func seek(to offset: Int64) throws(IngestError) -> Int64 {
    let r = lseek(fd, off_t(offset), SEEK_SET)
    guard r >= 0 else { throw IngestError.system("cannot seek in", path) }
    return Int64(r)
  }

  func close() { _ = Glibc.close(fd) }
}

/// A gzip file (one or more members, as `cat a.gz b.gz` makes), decompressed as it is read.
/// Offsets are in the decompressed data. A stream cut short reads as ending where it is cut.
final class GzipFileSource: ByteSource {
  let file: PlainFileSource
  var stream = z_stream()
  static let inputCapacity = 1 << 16
  let input = UnsafeMutablePointer<UInt8>.allocate(capacity: GzipFileSource.inputCapacity)
  var inputEnded = false
  /// At least one member ended; data after it that is not gzip is ignored, as gzip(1) does.
  var memberEnded = false
  var finished = false
  var position: Int64 = 0

  init(fd: Int32, path: String) throws(IngestError) {
    file = PlainFileSource(fd: fd, path: path)
    guard czlib_inflate_init_gzip(&stream) == Z_OK else {
      throw IngestError("cannot start gzip decoder for \(path)")
    }
  }

  deinit {
    inflateEnd(&stream)
    input.deallocate()
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
    guard !finished, buffer.count > 0 else { return 0 }
    stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
    stream.avail_out = UInt32(buffer.count)
    while stream.avail_out == UInt32(buffer.count) {
      if stream.avail_in == 0 {
        if inputEnded { break }
        let n = try file.read(into: UnsafeMutableRawBufferPointer(start: input, count: Self.inputCapacity))
        if n == 0 {
          inputEnded = true
          break
        }
        stream.next_in = input
        stream.avail_in = UInt32(n)
      }
      let rc = inflate(&stream, Z_NO_FLUSH)
      if rc == Z_STREAM_END {
        memberEnded = true
        inflateReset(&stream)
      } else if rc == Z_DATA_ERROR && memberEnded {
        finished = true
        break
      } else if rc != Z_OK && rc != Z_BUF_ERROR {
        finished = true
        throw IngestError("\(file.path): corrupt gzip data (zlib error \(rc))")
      }
    }
    let produced = buffer.count - Int(stream.avail_out)
    position += Int64(produced)
    return produced
  }

  func seek(to offset: Int64) throws(IngestError) -> Int64 {
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
    defer { scratch.deallocate() }
    while position < offset {
      let want = Int(min(Int64(scratch.count), offset - position))
      if try read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<want])) == 0 { break }
    }
    return position
  }

  func close() { file.close() }
}

/// Opens a path as a byte source, decompressing `.gz` files.
func openSource(path: String) throws(IngestError) -> (any ByteSource, FileStat) {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw IngestError.system("cannot open", path) }
  guard let st = FileStat(fd: fd) else {
    Glibc.close(fd)
    throw IngestError.system("cannot stat", path)
  }
  var isDirectory = stat()
  if fstat(fd, &isDirectory) == 0, (isDirectory.st_mode & S_IFMT) == S_IFDIR {
    Glibc.close(fd)
    throw IngestError("cannot read \(path): it is a directory")
  }
  if path.hasSuffix(".gz") { return (try GzipFileSource(fd: fd, path: path), st) }
  return (PlainFileSource(fd: fd, path: path), st)
}

/// Reads another source ahead on a thread of its own, so that work the source does per byte
/// (inflating a `.gz`) runs beside the parsing of what it produced. Takes over reading `source`:
/// seek it first. ``close()`` stops the thread; the source's owner still closes the source.
final class ReadAheadSource: ByteSource {
  let source: any ByteSource
  private let chunks = BlockingQueue<Result<[UInt8], IngestError>>(capacity: 4)
  private var current: [UInt8] = []
  private var used = 0
  private var ended = false
  private var thread: WorkerThread?

  init(_ source: any ByteSource, chunkBytes: Int = 1 << 20) {
    self.source = source
    let chunks = self.chunks
    let reading = SendableSource(source)
    thread = WorkerThread {
      while true {
        var failure: IngestError?
        let chunk = [UInt8](unsafeUninitializedCapacity: chunkBytes) { buffer, count in
          do throws(IngestError) {
            count = try reading.value.read(into: UnsafeMutableRawBufferPointer(buffer))
          } catch {
            failure = error
            count = 0
          }
        }
        if let failure {
          _ = chunks.put(.failure(failure))
          break
        }
        // An empty chunk is the end; a closed queue means the reader gave up.
        guard chunks.put(.success(chunk)), !chunk.isEmpty else { break }
      }
    }
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
    while used == current.count {
      guard !ended, let next = chunks.take() else { return 0 }
      switch next {
      case .success(let chunk):
        if chunk.isEmpty { ended = true }
        current = chunk
        used = 0
      case .failure(let error):
        ended = true
        throw error
      }
    }
    let n = min(buffer.count, current.count - used)
    current.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + used, byteCount: n) }
    used += n
    return n
  }

  func seek(to offset: Int64) throws(IngestError) -> Int64 {
    throw IngestError("a read-ahead source cannot seek")
  }

  func close() {
    chunks.close()
    thread?.join()
    thread = nil
  }
}
