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
    var processor = LineProcessor(source: "udp:test", lineNumber: 0)
    let text = LogFile.line(1) + "\n\n" + #"{"ts":1,"status":"x"}"# + "\r\n" + LogFile.line(2)
    Array(text.utf8).withUnsafeBytes { processor.handleDatagram($0, sequence: 7, maxLineBytes: 1 << 20) }
    let batch = processor.batch
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
    let storer = WorkerThread {
      udp.storeLoop(writer: IntakeWriter(store: try! Store(path: path), door: "udp"))
    }
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

  /// A stop while another process holds the database: the store loop gives up after its grace,
  /// keeps what it held in the intake spool, and returns (serve once never stopped); the spool's
  /// drain stores it once the database is free.
  @Test func aStopWhileTheDatabaseIsLockedKeepsTheCallsInTheSpool() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("v.db")
    _ = try Store(path: path)
    let blocker = try Store(path: path)
    try blocker.connection.execute("BEGIN IMMEDIATE")
    let udp = try UDPIngest(address: HostPort(host: "127.0.0.1", port: 0), receiveBufferBytes: 1 << 20)
    let receiver = WorkerThread { udp.receiveLoop() }
    let storer = WorkerThread {
      let writer = IntakeWriter(store: try! Store(path: path, busyTimeoutMs: 50), door: "udp")
      let spool = try! IntakeSpool(path: IntakeSpool.path(forDatabase: path))
      udp.storeLoop(writer: writer, spool: spool, stopGraceMs: 300)
    }
    let sender = UDPSender(port: udp.port)
    for d in 0..<20 { sender.send((0..<5).map { LogFile.line(d * 5 + $0) }.joined(separator: "\n")) }
    udp.stop()
    receiver.join()
    storer.join()
    let spool = try IntakeSpool(path: IntakeSpool.path(forDatabase: path))
    #expect(spool.pendingEntries >= 1)
    try blocker.connection.execute("COMMIT")
    let store = try Store(path: path)
    #expect(try store.callCount() == 0)
    let drain = IntakeSpoolDrain(spool: spool, store: store, observer: nil)
    #expect(try drain.drain(giveUp: { true }) ?? 0 >= 1)
    #expect(try store.callCount() == 100)
    #expect(try store.connection.scalar("SELECT count(DISTINCT source) FROM call_log") == 1)
    #expect(
      try store.connection.scalar("SELECT count(*) FROM call_log WHERE source = '\(udp.source)'") == 100)
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
