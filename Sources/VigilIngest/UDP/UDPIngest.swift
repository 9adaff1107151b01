import CVigilNet
package import Logging
package import Synchronization
package import VigilCore
import VigilStore
import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

/// What the UDP listener has seen, readable from any thread (for `/metrics` and logs).
package final class UDPCounters: Sendable {
  /// Datagrams taken from the socket.
  package let datagrams = Atomic<Int64>(0)
  package let bytes = Atomic<Int64>(0)
  /// Datagrams the kernel dropped because the receive buffer was full (its SO_RXQ_OVFL count).
  package let kernelDrops = Atomic<Int64>(0)
  /// Datagrams dropped because the in-memory backlog was full (the database far behind).
  package let backlogDrops = Atomic<Int64>(0)
  /// Datagrams larger than the largest a socket can take whole.
  package let truncated = Atomic<Int64>(0)
  /// Records stored, and lines rejected (kept as rejects).
  package let stored = Atomic<Int64>(0)
  package let rejected = Atomic<Int64>(0)
  /// Datagrams received but not yet committed.
  package let backlog = Atomic<Int64>(0)

  package init() {}
}

/// Receives call-log records as UDP datagrams (JSON Lines, several records per datagram) and
/// stores them. Two loops, each on a thread of its own: `receiveLoop` only takes datagrams off the
/// socket (with recvmmsg, into a large kernel buffer) and hands them over, so that it keeps up
/// with bursts; `storeLoop` parses them and commits them in batches. Stopping drains the socket
/// and the backlog, so that nothing received is lost.
package final class UDPIngest: Sendable {
  package let counters = UDPCounters()
  /// The port bound (useful when 0 was asked for).
  package let port: Int
  /// The receive buffer the kernel granted.
  package let receiveBufferBytes: Int
  /// The source name of stored calls and rejects: `udp:127.0.0.1:9515`.
  package let source: String
  let fd: Int32
  let maxLineBytes: Int
  let backlog: DatagramBacklog
  let stopping = Atomic<Bool>(false)

  static let slotSize = 65_536
  static let slotsPerCall: UInt32 = 64

  package init(
    address: HostPort, receiveBufferBytes: Int, maxLineBytes: Int = VigilDefaults.maxLineBytes,
    maxBacklogBytes: Int = 96 << 20
  )
    throws(IngestError)
  {
    var bound: Int32 = 0
    var granted: Int32 = 0
    var err = [CChar](repeating: 0, count: 256)
    let fd = vigil_udp_bind(
      address.host, Int32(address.port), Int32(receiveBufferBytes), &bound, &granted, &err, 256)
    guard fd >= 0 else {
      let message = err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
      throw IngestError("udp: \(String(decoding: message, as: UTF8.self))")
    }
    self.fd = fd
    port = Int(bound)
    self.receiveBufferBytes = Int(granted)
    source = "udp:" + HostPort(host: address.host, port: Int(bound)).description
    self.maxLineBytes = maxLineBytes
    backlog = DatagramBacklog(maxBytes: maxBacklogBytes)
  }

  deinit { close(fd) }

  /// Asks both loops to finish: the receiver drains the socket, then the store loop the backlog.
  package func stop() { stopping.store(true, ordering: .relaxed) }

  /// Takes datagrams off the socket until ``stop()``; run it on a thread of its own.
  package func receiveLoop() {
    let slots = UnsafeMutableRawBufferPointer.allocate(
      byteCount: Self.slotSize * Int(Self.slotsPerCall), alignment: 64)
    defer { slots.deallocate() }
    var lengths = [Int](repeating: 0, count: Int(Self.slotsPerCall))
    var truncated = [UInt8](repeating: 0, count: Int(Self.slotsPerCall))
    var chunk = DatagramChunk()
    var draining = false
    while true {
      if !draining && stopping.load(ordering: .relaxed) { draining = true }
      var drops: UInt32 = 0
      var hasDrops: Int32 = 0
      let n = lengths.withUnsafeMutableBufferPointer { len in
        truncated.withUnsafeMutableBufferPointer { tr in
          vigil_udp_receive(
            fd, slots.baseAddress!.assumingMemoryBound(to: UInt8.self), Self.slotSize, Self.slotsPerCall,
            len.baseAddress!, tr.baseAddress!, &drops, &hasDrops, draining || !chunk.isEmpty ? 0 : 100)
        }
      }
      if hasDrops != 0 { counters.kernelDrops.store(Int64(drops), ordering: .relaxed) }
      if n > 0 {
        var bytes: Int64 = 0
        for i in 0..<Int(n) {
          let length = min(lengths[i], Self.slotSize)
          if !chunk.fits(length) { handOver(&chunk) }
          chunk.append(
            UnsafeRawBufferPointer(rebasing: slots[(i * Self.slotSize)..<(i * Self.slotSize + length)]),
            truncated: truncated[i] != 0)
          if truncated[i] != 0 { counters.truncated.add(1, ordering: .relaxed) }
          bytes += Int64(lengths[i])
        }
        counters.datagrams.add(Int64(n), ordering: .relaxed)
        counters.bytes.add(bytes, ordering: .relaxed)
      }
      // Hand over when the socket is empty for now.
      if n <= 0 && !chunk.isEmpty { handOver(&chunk) }
      if draining && n <= 0 && chunk.isEmpty { break }
    }
    backlog.close()
  }

  /// Hands over a copy of `staging` sized to what it holds (so the backlog costs what it carries,
  /// however often the socket runs dry), and empties `staging` for reuse.
  func handOver(_ staging: inout DatagramChunk) {
    let chunk = DatagramChunk(copying: staging)
    staging.removeAll()
    counters.backlog.add(Int64(chunk.count), ordering: .relaxed)
    if !backlog.put(chunk) {
      counters.backlogDrops.add(Int64(chunk.count), ordering: .relaxed)
      counters.backlog.subtract(Int64(chunk.count), ordering: .relaxed)
    }
  }

  /// Parses what ``receiveLoop()`` hands over and commits it through `writer`, in batches of up
  /// to `maxBatchRecords` records, until the receiver has stopped and the backlog is empty. A
  /// write that fails is tried again with backoff (nothing received is dropped for a locked
  /// database or a full disk). Once a stop is asked for, a batch that still cannot be stored
  /// after `stopGraceMs` goes to `spool` instead (stored at the next start), so that a database
  /// held by another process never keeps serve from stopping.
  package func storeLoop(
    writer: IntakeWriter, spool: IntakeSpool? = nil, maxBatchRecords: Int = 50_000,
    stopGraceMs: Int64 = 10_000, logger: Logger = Logger(label: "vigil.udp")
  ) {
    let parser = CallLogParser()
    var sequence: Int64 = 0
    var stopAskedMs: Int64?
    func giveUp() -> Bool {
      guard stopping.load(ordering: .relaxed) else { return false }
      let now = WallClock.nowMs()
      if stopAskedMs == nil { stopAskedMs = now }
      return now - (stopAskedMs ?? now) >= stopGraceMs
    }
    while let chunks = backlog.take(upTo: maxBatchRecords) {
      defer { backlog.release(chunks) }
      var processor = LineProcessor(source: source, lineNumber: 0, parser: parser)
      var pending = 0
      func commit() {
        let batch = processor.takeBatch()
        if !writer.commit(batch, giveUp: giveUp) {
          if let spool,
            (try? spool.append(
              door: writer.door, source: source, calls: batch.records, rejects: batch.rejects)) != nil
          {
            logger.warning(
              "\(source): the database still refuses writes at shutdown; \(batch.calls.count) records wait in the intake spool for the next start",
              metadata: ["door": "udp", "records": "\(batch.calls.count)"])
          } else {
            logger.error(
              "\(source): the database still refuses writes at shutdown; \(batch.calls.count) records are lost",
              metadata: ["door": "udp", "records": "\(batch.calls.count)"])
          }
        }
        counters.stored.add(Int64(batch.calls.count), ordering: .relaxed)
        counters.rejected.add(Int64(batch.rejects.count), ordering: .relaxed)
        counters.backlog.subtract(Int64(pending), ordering: .relaxed)
        pending = 0
      }
      for chunk in chunks {
        chunk.eachDatagram { datagram, truncated in
          sequence += 1
          pending += 1
          if truncated {
            processor.batch.rejects.append(
              Reject(
                source: source, offset: sequence, lineNumber: nil,
                reason: RejectReason(
                  .tooLong, "datagram larger than \(Self.slotSize) bytes (truncated by the socket)"),
                bytes: datagram))
            return
          }
          processor.handleDatagram(datagram, sequence: sequence, maxLineBytes: maxLineBytes)
        }
        if processor.batch.isFull(lines: maxBatchRecords) { commit() }
      }
      if pending > 0 || !processor.batch.isEmpty { commit() }
    }
  }
}

/// Datagrams back to back in one buffer, with their ends.
struct DatagramChunk: Sendable {
  var bytes: [UInt8] = []
  /// End offset of each datagram; negative (-end - 1) for a truncated one.
  var ends: [Int] = []

  var isEmpty: Bool { ends.isEmpty }
  /// The memory it holds: the buffer's full capacity, which is what a backlog costs.
  var capacityBytes: Int { bytes.capacity + ends.capacity * MemoryLayout<Int>.stride }
  var count: Int { ends.count }

  /// Bytes a chunk holds at most: it is handed over before it would grow past them.
  static let capacity = 1 << 20

  init() { bytes.reserveCapacity(Self.capacity) }

  /// A copy with buffers no larger than what `other` holds.
  init(copying other: DatagramChunk) {
    bytes = [UInt8](unsafeUninitializedCapacity: other.bytes.count) { buffer, n in
      _ = buffer.initialize(from: other.bytes)
      n = other.bytes.count
    }
    ends = [Int](unsafeUninitializedCapacity: other.ends.count) { buffer, n in
      _ = buffer.initialize(from: other.ends)
      n = other.ends.count
    }
  }

  mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    ends.removeAll(keepingCapacity: true)
  }

  /// Whether `n` more bytes fit without the buffer growing.
  func fits(_ n: Int) -> Bool { bytes.count + n <= Self.capacity }

  mutating func append(_ datagram: UnsafeRawBufferPointer, truncated: Bool) {
    bytes.append(contentsOf: datagram)
    ends.append(truncated ? -bytes.count - 1 : bytes.count)
  }

  func eachDatagram(_ body: (UnsafeRawBufferPointer, Bool) -> Void) {
    bytes.withUnsafeBytes { all in
      var start = 0
      for e in ends {
        let end = e < 0 ? -e - 1 : e
        body(UnsafeRawBufferPointer(rebasing: all[start..<end]), e < 0)
        start = end
      }
    }
  }
}

/// The chunks between the receiver and the store loop, bounded in bytes: the receiver never
/// waits (a full backlog drops and counts), the store loop takes everything waiting at once.
final class DatagramBacklog: Sendable {
  struct State {
    var chunks: [DatagramChunk] = []
    var bytes = 0
    var closed = false
  }

  private let state = Locked(State())
  private let maxBytes: Int

  init(maxBytes: Int) { self.maxBytes = maxBytes }

  /// Adds a chunk unless that would pass the byte limit; never waits.
  func put(_ chunk: DatagramChunk) -> Bool {
    let maxBytes = self.maxBytes
    let added = state.withLock { s -> Bool in
      guard s.bytes + chunk.capacityBytes <= maxBytes else { return false }
      s.chunks.append(chunk)
      s.bytes += chunk.capacityBytes
      return true
    }
    if added { state.signal() }
    return added
  }

  /// The oldest chunks, up to about `datagrams` of them (at least one), after waiting for one;
  /// `nil` once closed and empty. Their bytes count against the limit until ``release(_:)``.
  func take(upTo datagrams: Int) -> [DatagramChunk]? {
    state.wait(
      until: { !$0.chunks.isEmpty || $0.closed },
      then: { s -> [DatagramChunk]? in
        guard !s.chunks.isEmpty else { return nil }
        var n = 0
        var taken = 0
        while n < s.chunks.count && (n == 0 || taken + s.chunks[n].count <= datagrams) {
          taken += s.chunks[n].count
          n += 1
        }
        defer { s.chunks.removeFirst(n) }
        return Array(s.chunks[..<n])
      })
  }

  /// Frees the room of chunks the store loop has committed.
  func release(_ done: [DatagramChunk]) {
    let freed = done.reduce(0) { $0 + $1.capacityBytes }
    state.withLock { $0.bytes -= freed }
  }

  func close() {
    state.withLock { $0.closed = true }
    state.broadcast()
  }
}
