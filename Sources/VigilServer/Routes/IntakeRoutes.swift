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
  /// What one request may hold (bytes, spans, attributes, JSON values).
  let limits: IntakeLimits
  /// What all requests together may hold in memory at once: bodies as they arrive, inflated, and
  /// the estimated cost of decoding them.
  let budget: IntakeBudget
  /// Requests whose body has arrived, decoding or waiting for the spool. Beyond `maxInFlight`, a
  /// request is answered 503 with `Retry-After` at once: intake is behind, and the exporter backs
  /// off and retries. A request takes its slot only once its body is in, so that slow senders
  /// hold none (their connection is closed at `http.body_timeout`, by ``RequestDeadlineHandler``).
  let inFlight = Atomic<Int>(0)
  static let maxInFlight = 16

  init(
    spool: SerialSpool, state: ServerState, logger: Logger, limits: IntakeLimits = IntakeLimits(),
    budget: IntakeBudget = IntakeBudget()
  ) {
    self.spool = spool
    self.state = state
    self.logger = logger
    self.limits = limits
    self.budget = budget
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
    let retryAfter = retryAfter ?? (status == .serviceUnavailable ? 1 : nil)
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
    let length = request.headers[.contentLength].flatMap { Int($0) }
    if let length, length > limits.maxBodyBytes {
      return Self.plain(.contentTooLarge, "the body is larger than \(limits.maxBodyBytes >> 20) MiB")
    }
    let reservation = IntakeReservation(budget)
    defer { reservation.release() }
    let body: [UInt8]
    do {
      body = try await received(request, length: length, reservation: reservation)
    } catch let error as PayloadError {
      return Self.plain(HTTPResponse.Status(code: error.status), error.message)
    } catch {
      return Self.plain(.requestTimeout, "the body did not arrive whole: send it again")
    }
    guard inFlight.add(1, ordering: .relaxed).newValue <= Self.maxInFlight else {
      inFlight.subtract(1, ordering: .relaxed)
      return Self.plain(.serviceUnavailable, "intake is behind: retry shortly", retryAfter: 1)
    }
    defer { inFlight.subtract(1, ordering: .relaxed) }
    let protobuf: Bool
    let mapped: GenAICalls.Mapped
    do {
      let bytes = try Payload.decoded(
        body, contentEncoding: request.headers[.contentEncoding], limits: limits, reservation: reservation)
      switch endpoint {
      case .otlpTraces:
        protobuf = try Payload.isProtobuf(request.headers[.contentType])
        mapped = try Payload.traces(bytes, protobuf: protobuf, limits: limits, reservation: reservation)
      case .otlpLogs:
        protobuf = try Payload.isProtobuf(request.headers[.contentType])
        mapped = try Payload.logs(bytes, protobuf: protobuf, limits: limits, reservation: reservation)
      case .litellm:
        protobuf = false
        mapped = try LiteLLMCalls.calls(
          bytes, limits: limits, reservation: reservation, app: QueryParameters(request)["app"])
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
    // Bytes that were not UTF-8 were replaced, not refused: said as a warning.
    let repaired =
      mapped.repaired > 0
      ? "\(mapped.repaired) text field(s) held bytes that are not UTF-8, each replaced by '?'" : nil
    if endpoint == .litellm {
      return HTTPRoutes.json([
        "stored": .number(Double(checked.accepted.count)), "rejected": .number(Double(rejected)),
        "error": firstError.map(JSONValue.string) ?? .null,
        "repaired": .number(Double(mapped.repaired)),
      ])
    }
    var headers = HTTPFields()
    headers[.contentType] = protobuf ? "application/x-protobuf" : "application/json"
    let answer = Payload.response(
      logs: endpoint == .otlpLogs, rejected: rejected, message: firstError ?? repaired, protobuf: protobuf)
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer)))
  }

  /// The request's body as it arrives, each part taken from the budget (a 503 when other
  /// requests hold it, a 413 beyond the body bound); an error when the connection ended before
  /// the body did (a body deadline passed, the sender went away).
  func received(_ request: Request, length: Int?, reservation: IntakeReservation) async throws -> [UInt8] {
    // Grown as parts arrive (not reserved from Content-Length): a slow sender holds only what it sent.
    var body: [UInt8] = []
    var reserved = 0
    for try await part in request.body {
      guard body.count + part.readableBytes <= limits.maxBodyBytes else {
        throw PayloadError(413, "the body is larger than \(limits.maxBodyBytes >> 20) MiB")
      }
      try reservation.grow(
        &body, toHold: body.count + part.readableBytes, reserved: &reserved, for: "receive")
      body.append(contentsOf: part.readableBytesView)
    }
    // A connection closed inside the body ends it early: what arrived is not the request.
    if let length, body.count != length { throw CancellationError() }
    return body
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
