import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import VigilCore
import VigilIngest
import VigilOTLP
import VigilStore

/// Calls that arrive over HTTP (OTLP exports, LiteLLM's log): decoded, mapped, checked as every
/// call is (``CallLimits``) and committed to the intake spool before the request is answered, so
/// that a 200 means kept on disk (stored in the database moments later, or after whatever holds
/// it) and anything else means "send it again" to the exporter, which keeps its batch. Storing,
/// counting and reporting are the spool drain's, through the one intake writer.
final class HTTPIntake: Sendable {
  let spool: SerialSpool
  let state: ServerState
  let logger: Logger
  /// Requests decoding or waiting for the database. Beyond `maxInFlight`, a request is answered
  /// 503 with `Retry-After` at once: intake is behind, and the exporter backs off and retries.
  let inFlight = Atomic<Int>(0)
  static let maxInFlight = 16

  init(spool: SerialSpool, state: ServerState, logger: Logger) {
    self.spool = spool
    self.state = state
    self.logger = logger
  }

  enum Endpoint: String {
    case otlpTraces = "otlp_traces"
    case otlpLogs = "otlp_logs"
    case litellm

    var source: String { self == .litellm ? "litellm" : "otlp" }
  }

  func count(_ endpoint: Endpoint, _ status: Int) {
    state.intake.answered(endpoint.rawValue, status: status)
  }

  static func plain(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; charset=utf-8"
    if let retryAfter { headers[.retryAfter] = String(retryAfter) }
    return Response(
      status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
  }

  /// Handles one request to `endpoint`.
  func handle(_ request: Request, _ endpoint: Endpoint) async -> Response {
    let response = await answer(request, endpoint)
    count(endpoint, response.status.code)
    return response
  }

  func answer(_ request: Request, _ endpoint: Endpoint) async -> Response {
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Payload.maxBodyBytes {
      return Self.plain(.contentTooLarge, "the body is larger than \(Payload.maxBodyBytes >> 20) MiB")
    }
    guard inFlight.add(1, ordering: .relaxed).newValue <= Self.maxInFlight else {
      inFlight.subtract(1, ordering: .relaxed)
      return Self.plain(.serviceUnavailable, "intake is behind: retry shortly", retryAfter: 1)
    }
    defer { inFlight.subtract(1, ordering: .relaxed) }
    let protobuf: Bool
    let mapped: GenAICalls.Mapped
    do {
      let body: ByteBuffer
      do {
        body = try await request.body.collect(upTo: Payload.maxBodyBytes)
      } catch {
        return Self.plain(.contentTooLarge, "the body is larger than \(Payload.maxBodyBytes >> 20) MiB")
      }
      let bytes = try Payload.decoded(Array(buffer: body), contentEncoding: request.headers[.contentEncoding])
      switch endpoint {
      case .otlpTraces:
        protobuf = try Payload.isProtobuf(request.headers[.contentType])
        mapped = try Payload.traces(bytes, protobuf: protobuf)
      case .otlpLogs:
        protobuf = try Payload.isProtobuf(request.headers[.contentType])
        mapped = try Payload.logs(bytes, protobuf: protobuf)
      case .litellm:
        protobuf = false
        mapped = try LiteLLMCalls.calls(bytes)
      }
    } catch {
      return Self.plain(HTTPResponse.Status(code: error.status), error.message)
    }
    // Every call passes the checks a call-log line passes before it is kept.
    let checked = CallLimits.accepted(mapped.calls)
    let rejected = mapped.rejected + checked.refused
    let firstError = mapped.firstError ?? checked.firstReason?.message
    var rejects: [Reject] = []
    if rejected > 0 {
      // Kept like a rejected line: where it came from and why (the first reason of the request).
      rejects.append(
        Reject(
          source: endpoint.source, offset: 0, lineNumber: nil,
          reason: RejectReason(.badValue, "\(rejected) of the request's items: \(firstError ?? "")"),
          line: ""))
    }
    if !checked.accepted.isEmpty || !rejects.isEmpty {
      do {
        try await spool.append(
          door: endpoint.source, source: endpoint.source, calls: checked.accepted, rejects: rejects)
      } catch let full as IntakeSpool.Full {
        logger.warning(
          "\(endpoint.source): \(full); the sender is asked to retry",
          metadata: ["door": "\(endpoint.source)", "endpoint": "\(endpoint.rawValue)"])
        return Self.plain(.serviceUnavailable, "intake is behind (\(full)): retry shortly", retryAfter: 5)
      } catch {
        logger.error(
          "\(endpoint.source): keeping the request failed (\(error)); the sender is asked to retry",
          metadata: ["door": "\(endpoint.source)", "endpoint": "\(endpoint.rawValue)"])
        return Self.plain(.serviceUnavailable, "the request could not be kept: retry shortly", retryAfter: 5)
      }
    }
    if endpoint == .litellm {
      return HTTPRoutes.json([
        "stored": .number(Double(checked.accepted.count)), "rejected": .number(Double(rejected)),
        "error": firstError.map(JSONValue.string) ?? .null,
      ])
    }
    var headers = HTTPFields()
    headers[.contentType] = protobuf ? "application/x-protobuf" : "application/json"
    let body = Payload.response(
      logs: endpoint == .otlpLogs, rejected: rejected, message: firstError, protobuf: protobuf)
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
  }

  /// The OTLP/HTTP receiver's routes.
  func otlpRouter(token: String?) -> Hummingbird.Router<BasicRequestContext> {
    let router = Hummingbird.Router()
    router.add(middleware: SecurityHeadersMiddleware())
    if let token { router.add(middleware: BearerTokenMiddleware(token: Array(token.utf8))) }
    router.post("/v1/traces") { request, _ in await self.handle(request, .otlpTraces) }
    router.post("/v1/logs") { request, _ in await self.handle(request, .otlpLogs) }
    return router
  }
}

/// LiteLLM's generic_api callback, on the HTTP port: its per-request log, as calls.
extension HTTPIntake: RouteArea {
  func add(to router: Hummingbird.Router<BasicRequestContext>) {
    router.post("/ingest/litellm") { request, _ in await self.handle(request, .litellm) }
  }
}
