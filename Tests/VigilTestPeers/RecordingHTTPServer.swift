import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 and a port the kernel picks, for webhook tests: it records
/// every request and answers from a script (200 unless told otherwise: a 500, a 429 with
/// `Retry-After`, or no answer at all, like a receiver that hangs).
public final class RecordingHTTPServer: @unchecked Sendable {
  public struct Request: Sendable {
    public var method: String
    public var uri: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
      headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object.
    public var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
  }

  public enum Reply: Sendable {
    case status(Int, headers: [(String, String)] = [], body: String = "")
    /// Reads the request and never answers.
    case hang
  }

  let lock = NSLock()
  var recorded: [Request] = []
  var script: [Reply] = []
  var channel: (any Channel)?
  public private(set) var port = 0

  public init() async throws {
    let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.backlog, value: 64)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { [unowned self] channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap {
          channel.pipeline.addHandler(Handler(server: self))
        }
      }
    let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
    self.channel = channel
    port = channel.localAddress?.port ?? 0
  }

  /// `http://127.0.0.1:PORT` + path.
  public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

  /// The answers to the next requests, in order; after them, 200.
  public func reply(_ replies: Reply...) {
    lock.lock()
    script += replies
    lock.unlock()
  }

  public var requests: [Request] {
    lock.lock()
    defer { lock.unlock() }
    return recorded
  }

  /// Waits (polling, real time) until `count` requests have arrived.
  public func waitForRequests(_ count: Int, seconds: Double = 180) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if requests.count >= count { return true }
      try? await Task.sleep(for: .milliseconds(10))
    }
    return requests.count >= count
  }

  public func close() async {
    try? await channel?.close()
  }

  func record(_ request: Request) -> Reply {
    lock.lock()
    defer { lock.unlock() }
    recorded.append(request)
    return script.isEmpty ? .status(200, body: "ok") : script.removeFirst()
  }

  final class Handler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let server: RecordingHTTPServer
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(server: RecordingHTTPServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      switch unwrapInboundIn(data) {
      case .head(let h):
        head = h
        body = []
      case .body(var b):
        body += b.readBytes(length: b.readableBytes) ?? []
      case .end:
        guard let head else { return }
        let request = Request(
          method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
          body: body)
        switch server.record(request) {
        case .hang: return
        case .status(let code, let headers, let text):
          var h = HTTPHeaders(headers)
          h.replaceOrAdd(name: "Content-Length", value: String(text.utf8.count))
          let responseHead = HTTPResponseHead(
            version: head.version, status: .init(statusCode: code), headers: h)
          context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
          context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
          context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
      }
    }
  }
}
