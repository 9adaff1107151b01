import Testing
import VigilTestSupport

@testable import VigilIngest

@Suite struct ReadAheadSourceTests {
  /// Everything `source` gives, read `size` bytes at a time.
  func readAll(_ source: any ByteSource, size: Int) throws(IngestError) -> [UInt8] {
    var out: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
    defer { buffer.deallocate() }
    while true {
      let n = try source.read(into: buffer)
      if n == 0 { return out }
      out += buffer[..<n]
    }
  }

  @Test func givesTheSameBytesAsItsSourceWhateverTheChunkAndReadSizes() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    LogFile.write(log, LogFile.lines(0..<500))
    LogFile.shell("gzip -k '\(log)'")
    let (direct, _) = try openSource(path: log + ".gz")
    defer { direct.close() }
    let expected = try readAll(direct, size: 4096)
    #expect(expected.count > 10_000)
    for (chunk, size) in [(7, 5), (4096, 100_000), (1 << 20, 1 << 16)] {
      let (source, _) = try openSource(path: log + ".gz")
      let ahead = ReadAheadSource(source, chunkBytes: chunk)
      #expect(try readAll(ahead, size: size) == expected)
      // At the end it stays at the end.
      #expect(try readAll(ahead, size: size).isEmpty)
      ahead.close()
      source.close()
    }
  }

  @Test func aFailureOfTheSourceReachesTheReaderAfterTheBytesBeforeIt() throws {
    let dir = TemporaryDirectory()
    let gz = dir.file("app.log.gz")
    LogFile.write(dir.file("app.log"), LogFile.lines(0..<2_000))
    // A valid gzip header, then deflate data overwritten in the middle.
    LogFile.shell(
      "gzip -c '\(dir.file("app.log"))' > '\(gz)' && "
        + "printf '\\377%.0s' $(seq 400) | dd of='\(gz)' bs=1 seek=2000 conv=notrunc 2>/dev/null")
    let (source, _) = try openSource(path: gz)
    defer { source.close() }
    let ahead = ReadAheadSource(source, chunkBytes: 512)
    defer { ahead.close() }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 512, alignment: 1)
    defer { buffer.deallocate() }
    var read = 0
    #expect {
      while true {
        let n = try ahead.read(into: buffer)
        if n == 0 { break }
        read += n
      }
    } throws: { ($0 as? IngestError)?.message.contains("corrupt gzip data") == true }
    #expect(read > 0)
  }

  @Test func closingWhileTheThreadIsAheadStopsIt() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    LogFile.write(log, LogFile.lines(0..<5_000))
    let (source, _) = try openSource(path: log)
    defer { source.close() }
    // Chunks of 64 bytes: the thread fills its queue long before the file ends, then waits.
    let ahead = ReadAheadSource(source, chunkBytes: 64)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 10, alignment: 1)
    defer { buffer.deallocate() }
    #expect(try ahead.read(into: buffer) == 10)
    ahead.close()
  }
}
