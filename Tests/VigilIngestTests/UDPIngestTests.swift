import Synchronization
import Testing
import VigilCore
import VigilStore
import VigilSync
import VigilTestSupport

@testable import VigilIngest

/// The UDP listener's parts: parsing a datagram, the bounded backlog, and a real socket.
@Suite struct UDPIngestTests {
  @Test func aDatagramsLinesAreRecordsOrRejectsWithTheirPlace() {
    var batch = IngestBatch(source: "udp:test")
    let text = LogFile.line(1) + "\n\n" + #"{"ts":1,"status":"x"}"# + "\r\n" + LogFile.line(2)
    Array(text.utf8).withUnsafeBytes {
      UDPIngest.parse(
        $0, sequence: 7, parser: CallLogParser(), maxLineBytes: 1 << 20, into: &batch)
    }
    #expect(batch.records.map(\.requestID) == ["r1", "r2"])
    #expect(batch.rejects.count == 1)
    #expect(batch.rejects.first?.offset == 7 && batch.rejects.first?.lineNumber == 3)
    #expect(batch.rejects.first?.source == "udp:test")
  }

  @Test func aFullBacklogRefusesAtOnceAndCountsOnlyWhatItHolds() {
    let backlog = DatagramBacklog(maxBytes: 64 << 10)
    var staging = DatagramChunk()
    let datagram = Array(LogFile.line(1).utf8)
    for _ in 0..<10 { datagram.withUnsafeBytes { staging.append($0, truncated: false) } }
    let small = DatagramChunk(copying: staging)
    // A chunk costs what it carries, not the staging buffer's megabyte.
    #expect(small.capacityBytes < 8 << 10)
    var accepted = 0
    while backlog.put(small) { accepted += 1 }
    #expect(accepted > 4 && accepted < 64)
    let taken = backlog.take(upTo: 25)!
    #expect(taken.count == 2)  // whole chunks, up to about 25 datagrams
    #expect(!backlog.put(small))  // still held until released
    backlog.release(taken)
    #expect(backlog.put(small))
  }

  @Test func aSocketOnLoopbackReceivesStoresAndStopsWithNothingLost() throws {
    let dir = TemporaryDirectory()
    let udp = try UDPIngest(address: HostPort(host: "127.0.0.1", port: 0), receiveBufferBytes: 1 << 20)
    #expect(udp.port > 0 && udp.source == "udp:127.0.0.1:\(udp.port)")
    let path = dir.file("v.db")
    let receiver = WorkerThread { udp.receiveLoop() }
    let storer = WorkerThread { udp.storeLoop(sink: try! Store(path: path)) }
    let sender = UDPSender(port: udp.port)
    for d in 0..<200 { sender.send((0..<5).map { LogFile.line(d * 5 + $0) }.joined(separator: "\n")) }
    udp.stop()
    receiver.join()
    storer.join()
    #expect(try Store(path: path).callCount() == 1000)
    #expect(udp.counters.datagrams.load(ordering: .relaxed) == 200)
    #expect(udp.counters.stored.load(ordering: .relaxed) == 1000)
    #expect(udp.counters.kernelDrops.load(ordering: .relaxed) == 0)
  }

  @Test func aBusyAddressIsAClearError() throws {
    let first = try UDPIngest(address: HostPort(host: "127.0.0.1", port: 0), receiveBufferBytes: 1 << 20)
    #expect(throws: IngestError.self) {
      try UDPIngest(address: HostPort(host: "127.0.0.1", port: first.port), receiveBufferBytes: 1 << 20)
    }
    do {
      _ = try UDPIngest(address: HostPort(host: "127.0.0.1", port: first.port), receiveBufferBytes: 1 << 20)
    } catch {
      #expect(error.description == "udp: cannot bind 127.0.0.1:\(first.port): Address already in use")
    }
  }
}
