import Foundation
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

@testable import VigilServer

#if canImport(Glibc)
  import Glibc
#endif

/// Hostile and careless senders at serve's OTLP door. Senders that trickle their bodies a byte at a
/// time once held every intake slot (16 of them answered every export 503 for as long as they
/// liked): a request now takes a slot only once its body is in, and a connection whose request has
/// not arrived whole within `http.body_timeout` of its head is closed. One byte that is not UTF-8
/// once refused a whole export with a 400 (never retried: every call batched with it lost).
@Suite struct IntakeDoorsTests {
  /// A TCP connection to 127.0.0.1, written and read with plain blocking calls.
  final class Connection: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
      fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = in_port_t(UInt16(port).bigEndian)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      guard fd >= 0, rc == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    /// Writes `text`; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
      let bytes = Array(text.utf8)
      return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        == bytes.count
    }

    /// Whether the server closes the connection within `seconds` (reads return end of file or a reset).
    func closed(within seconds: Int) -> Bool {
      var timeout = timeval(tv_sec: seconds, tv_usec: 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      var buffer = [UInt8](repeating: 0, count: 4096)
      let deadline = Date().addingTimeInterval(Double(seconds))
      while Date() < deadline {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n == 0 { return true }
        if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
      }
      return false
    }
  }

  @Test func twentySlowBodiesDoNotStopAnExportAndAreClosedAtTheDeadline() async throws {
    let dir = TemporaryDirectory()
    let daemon = try await DaemonTests.daemon(dir, clock: ManualClock(nowMs: DaemonTests.start)) {
      $0.httpBodyTimeoutMs = 1500
    }
    let running = Task { try await daemon.run() }
    #expect(await DaemonTests.waitFor { daemon.state.listeners.otlpPort != nil })
    let port = try #require(daemon.state.listeners.otlpPort)
    // 20 exports whose bodies arrive a byte at a time, every 400 ms.
    let slow = try (0..<20).map { _ in try Connection(port: port) }
    for c in slow {
      c.send(
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
      )
    }
    let trickle = Thread {
      for _ in 0..<40 {
        // Until the server has closed every one of them.
        guard slow.map({ $0.send(" ") }).contains(true) else { return }
        Thread.sleep(forTimeInterval: 0.4)
      }
    }
    trickle.start()
    try await Task.sleep(for: .milliseconds(300))
    // A whole export beside them is taken at once.
    let body =
      #"{"resourceSpans":[{"scopeSpans":[{"spans":[\#(IntakeValidationTests.call(1, attempts: [(200, 1_000_000)]))]}]}]}"#
    let reply = try await HTTPGet.post(
      "http://127.0.0.1:\(port)/v1/traces", headers: [("Content-Type", "application/json")],
      body: Array(body.utf8))
    #expect(reply.status == 200, "\(reply.body)")
    // The trickling ones are closed at their deadline (1.5 s), though they keep sending (for at
    // most 16 s) and never close themselves: without the deadline they would stay open. The
    // bounds are hang guards: a fresh clone's full run on two loaded cores took 17 s.
    let started = Date()
    for c in slow { #expect(c.closed(within: 30)) }
    #expect(Date().timeIntervalSince(started) < 45)
    await daemon.shutDown()
    try await running.value
    #expect(try Store(path: dir.file("v.db")).callCount() == 1)
  }

  @Test func oneBadByteIsAWarningAndEveryCallOfTheExportIsStored() async throws {
    let dir = TemporaryDirectory()
    let daemon = try await DaemonTests.daemon(dir, clock: ManualClock(nowMs: DaemonTests.start))
    let running = Task { try await daemon.run() }
    #expect(await DaemonTests.waitFor { daemon.state.listeners.otlpPort != nil })
    let port = try #require(daemon.state.listeners.otlpPort)
    let spans = [1, 2].map { IntakeValidationTests.call($0, attempts: [(200, 1_000_000)]) }
    let json = #"{"resourceSpans":[{"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}]}"#
    // The first span's name, "chat gpt-4o", with a byte that is not UTF-8 in it.
    var body = Array(json.utf8)
    let at = try #require(body.indices.first { body[$0...].starts(with: Array("chat gpt".utf8)) })
    body[at + 4] = 0xFF
    let reply = try await HTTPGet.post(
      "http://127.0.0.1:\(port)/v1/traces", headers: [("Content-Type", "application/json")], body: body)
    #expect(reply.status == 200, "\(reply.body)")
    #expect(
      reply.body.contains(#""rejectedSpans":"0""#) || !reply.body.contains("rejectedSpans"), "\(reply.body)")
    #expect(reply.body.contains("not UTF-8"), "\(reply.body)")
    await daemon.shutDown()
    try await running.value
    #expect(try Store(path: dir.file("v.db")).callCount() == 2)
  }
}
