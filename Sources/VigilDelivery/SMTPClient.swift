import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import Synchronization
import VigilCore

/// A reply from an SMTP server: its code and its text lines.
struct SMTPReply: Sendable {
  var code: Int
  var lines: [String]

  var isPositive: Bool { (200..<400).contains(code) }
}

/// Why a message could not be handed to the SMTP server, and whether trying again may help.
struct SMTPError: Error, CustomStringConvertible {
  var message: String
  /// A 5xx reply: trying the same message again will not help.
  var permanent: Bool

  var description: String { message }
}

/// Sends one message over SMTP (RFC 5321): EHLO, STARTTLS or implicit TLS, AUTH PLAIN or LOGIN,
/// MAIL FROM, RCPT TO for each recipient, DATA with dot-stuffing, QUIT. Never sends credentials
/// over a connection without TLS, and refuses to go on when STARTTLS was asked for and is not
/// offered.
struct SMTPClient {
  var config: EmailReceiver
  var password: String?
  var group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

  func send(_ message: [UInt8]) async throws(SMTPError) {
    let replies = ReplyStream()
    let channel: any Channel
    do {
      let tls = try makeTLSContext()
      let implicit = config.security == .tls
      let host = config.host
      channel = try await ClientBootstrap(group: group)
        .connectTimeout(.milliseconds(min(config.timeoutMs, 10_000)))
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            if implicit { try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(tls, host)) }
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
            try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(stream: replies))
          }
        }
        .connect(host: config.host, port: config.port).get()
    } catch let e as SMTPError {
      throw e
    } catch {
      throw SMTPError(
        message: "cannot connect to \(config.host):\(config.port): \(Self.describe(error))", permanent: false)
    }
    // One deadline for the whole conversation: closing the channel ends the wait for a reply.
    let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(config.timeoutMs)) {
      replies.fail(
        SMTPError(message: "timed out after \(DurationText.format(config.timeoutMs))", permanent: false))
      channel.close(promise: nil)
    }
    defer {
      deadline.cancel()
      channel.close(promise: nil)
    }
    do {
      try await conversation(channel, replies, message)
    } catch let e as SMTPError {
      throw e
    } catch {
      // A write fails once the channel is closed; the reason (a TLS handshake, say) was reported
      // to the reply stream first.
      if let cause = replies.firstFailure as? SMTPError { throw cause }
      throw SMTPError(message: "\(config.host):\(config.port): \(Self.describe(error))", permanent: false)
    }
  }

  func conversation(_ channel: any Channel, _ replies: ReplyStream, _ message: [UInt8]) async throws {
    func command(_ line: String, expect: ClosedRange<Int>, hiding: Bool = false) async throws -> SMTPReply {
      try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n"))
      let reply = try await replies.next()
      guard expect.contains(reply.code) else {
        let shown = hiding ? line.split(separator: " ").prefix(2).joined(separator: " ") + " …" : line
        throw SMTPError(
          message: "\(config.host) answered \(reply.code) \(reply.lines.joined(separator: " ")) to \(shown)",
          permanent: reply.code >= 500)
      }
      return reply
    }
    let greeting = try await replies.next()
    guard greeting.code == 220 else {
      throw SMTPError(
        message: "\(config.host) greeted with \(greeting.code) \(greeting.lines.joined(separator: " "))",
        permanent: greeting.code >= 500)
    }
    var ehlo = try await command("EHLO \(config.helloName)", expect: 250...250)
    if config.security == .starttls {
      guard ehlo.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
        throw SMTPError(
          message: "\(config.host) does not offer STARTTLS (set security: tls or none)", permanent: false)
      }
      _ = try await command("STARTTLS", expect: 220...220)
      let context = try makeTLSContext()
      let host = config.host
      try await channel.eventLoop.submit {
        try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(context, host), position: .first)
      }.get()
      ehlo = try await command("EHLO \(config.helloName)", expect: 250...250)
    }
    if let user = config.username {
      guard config.security != .none else {
        throw SMTPError(message: "credentials are never sent without TLS", permanent: true)
      }
      let offered =
        ehlo.lines.first { $0.uppercased().hasPrefix("AUTH") }.map {
          Set($0.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).dropFirst().map(String.init))
        } ?? []
      let mechanism = config.authMechanism ?? ["PLAIN", "LOGIN"].first { offered.contains($0) } ?? "PLAIN"
      let secret = password ?? ""
      if mechanism == "LOGIN" {
        _ = try await command("AUTH LOGIN", expect: 334...334)
        _ = try await command(Data(user.utf8).base64EncodedString(), expect: 334...334, hiding: true)
        _ = try await command(Data(secret.utf8).base64EncodedString(), expect: 235...235, hiding: true)
      } else {
        let token = Data(("\u{0}" + user + "\u{0}" + secret).utf8).base64EncodedString()
        _ = try await command("AUTH PLAIN \(token)", expect: 235...235, hiding: true)
      }
    }
    _ = try await command("MAIL FROM:<\(Self.address(config.from))>", expect: 250...250)
    var accepted = 0
    var refused: [String] = []
    for r in config.to {
      try await channel.writeAndFlush(ByteBuffer(string: "RCPT TO:<\(Self.address(r))>\r\n"))
      let reply = try await replies.next()
      if reply.code == 250 || reply.code == 251 {
        accepted += 1
      } else if reply.code >= 500 {
        refused.append("\(Self.address(r)) (\(reply.code))")
      } else {
        throw SMTPError(
          message: "\(config.host) answered \(reply.code) to RCPT TO \(Self.address(r))", permanent: false)
      }
    }
    guard accepted > 0 else {
      throw SMTPError(
        message: "\(config.host) refused every recipient: \(refused.joined(separator: ", "))", permanent: true
      )
    }
    _ = try await command("DATA", expect: 354...354)
    var data = ByteBuffer(bytes: Self.dotStuffed(message))
    data.writeString("\r\n.\r\n")
    try await channel.writeAndFlush(data)
    let done = try await replies.next()
    guard done.code == 250 else {
      throw SMTPError(
        message: "\(config.host) answered \(done.code) \(done.lines.joined(separator: " ")) to the message",
        permanent: done.code >= 500)
    }
    try? await channel.writeAndFlush(ByteBuffer(string: "QUIT\r\n"))
  }

  func makeTLSContext() throws -> NIOSSLContext {
    var tls = TLSConfiguration.makeClientConfiguration()
    if let ca = config.caFile { tls.trustRoots = .file(ca) }
    do {
      return try NIOSSLContext(configuration: tls)
    } catch {
      throw SMTPError(
        message: "TLS setup failed (ca_file \(config.caFile ?? "-")): \(error)", permanent: false)
    }
  }

  /// SNI takes a host name only; for an address, the certificate is checked against the IP.
  static func tlsHandler(_ context: NIOSSLContext, _ host: String) throws -> NIOSSLClientHandler {
    let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
    return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
  }

  /// `Name <a@b.c>` gives `a@b.c`.
  static func address(_ s: String) -> String {
    if let open = s.lastIndex(of: "<"), let close = s.lastIndex(of: ">"), open < close {
      return String(s[s.index(after: open)..<close])
    }
    return s.trimmingCharacters(in: .whitespaces)
  }

  /// Lines that start with `.` get another one (RFC 5321 §4.5.2); line ends become CRLF.
  static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(message.count + 64)
    var lineStart = true
    var previous: UInt8 = 0
    for b in message {
      if lineStart && b == UInt8(ascii: ".") { out.append(b) }
      if b == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }
      out.append(b)
      lineStart = b == UInt8(ascii: "\n")
      previous = b
    }
    if out.last == UInt8(ascii: "\n") { out.removeLast(2) }
    return out
  }

  static func describe(_ error: any Error) -> String {
    if let e = error as? NIOSSLError { return "TLS: \(e)" }
    if let e = error as? BoringSSLError { return "TLS: \(e)" }
    if let e = error as? NIOSSLExtraError { return "TLS: \(e)" }
    if error is ChannelError { return "the connection closed (\(error))" }
    return "\(error)"
  }
}

/// Replies as they arrive, for one conversation: the handler pushes, the client awaits.
final class ReplyStream: Sendable {
  struct State {
    var buffered: [Result<SMTPReply, any Error>] = []
    var waiter: CheckedContinuation<SMTPReply, any Error>?
    var failure: (any Error)?
  }

  let state = Mutex(State())

  func push(_ r: Result<SMTPReply, any Error>) {
    let waiter = state.withLock { s -> CheckedContinuation<SMTPReply, any Error>? in
      if case .failure(let e) = r, s.failure == nil { s.failure = e }
      guard let w = s.waiter else {
        s.buffered.append(r)
        return nil
      }
      s.waiter = nil
      return w
    }
    waiter?.resume(with: r)
  }

  func fail(_ error: any Error) { push(.failure(error)) }

  var firstFailure: (any Error)? { state.withLock { $0.failure } }

  func next() async throws -> SMTPReply {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<SMTPReply, any Error>) in
      let ready = state.withLock { s -> Result<SMTPReply, any Error>? in
        if !s.buffered.isEmpty { return s.buffered.removeFirst() }
        if let failure = s.failure { return .failure(failure) }
        s.waiter = c
        return nil
      }
      if let ready { c.resume(with: ready) }
    }
  }
}

/// Gathers reply lines (`250-...` continues, `250 ...` ends) into replies.
/// (A channel handler lives on its channel's event loop and is touched only there, as NIO's own
/// handlers are: hence unchecked.)
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = ByteBuffer
  let stream: ReplyStream
  var lines: [String] = []

  init(stream: ReplyStream) { self.stream = stream }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var buffer = unwrapInboundIn(data)
    var line = buffer.readString(length: buffer.readableBytes) ?? ""
    if line.hasSuffix("\r") { line.removeLast() }
    let chars = Array(line.utf8)
    guard chars.count >= 3, let code = Int(String(decoding: chars[0..<3], as: UTF8.self)) else {
      stream.fail(SMTPError(message: "not an SMTP reply: \(line.prefix(80))", permanent: false))
      context.close(promise: nil)
      return
    }
    lines.append(chars.count > 4 ? String(decoding: chars[4...], as: UTF8.self) : "")
    if chars.count == 3 || chars[3] == UInt8(ascii: " ") {
      stream.push(.success(SMTPReply(code: code, lines: lines)))
      lines = []
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    stream.fail(SMTPError(message: SMTPClient.describe(error), permanent: false))
    context.close(promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    stream.fail(SMTPError(message: "the server closed the connection", permanent: false))
    context.fireChannelInactive()
  }
}
