import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import VigilCore
import VigilIngest
import VigilReport
import VigilStore
import VigilSync

/// Requires `Authorization: Bearer <token>` on every path but the health checks, when a token is set.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
  let token: [UInt8]
  static var open: Set<String> { ["/healthz", "/readyz"] }

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws
    -> Response
  {
    guard !Self.open.contains(request.uri.path) else { return try await next(request, context) }
    let given = Array((request.headers[.authorization] ?? "").utf8)
    let expected = Array("Bearer ".utf8) + token
    // Compared in constant time, so that timing does not tell how much of a guess was right. The
    // scheme's letters in any case (`bearer`, `BEARER`: schemes are case-insensitive, RFC 9110
    // 11.1): its six bytes are compared with the case bit set; the token's, exactly.
    var difference = given.count ^ expected.count
    for i in 0..<expected.count {
      let fold: UInt8 = i < 6 ? 0x20 : 0
      difference |= Int(((i < given.count ? given[i] : 0) | fold) ^ (expected[i] | fold))
    }
    guard difference == 0 else {
      var headers = HTTPFields()
      headers[.wwwAuthenticate] = "Bearer realm=\"vigil\""
      headers[.contentType] = "text/plain; charset=utf-8"
      return Response(
        status: .unauthorized, headers: headers,
        body: .init(byteBuffer: ByteBuffer(string: "a bearer token is required\n")))
    }
    return try await next(request, context)
  }
}

/// Headers every response carries: no content sniffing, no framing by other sites, no referrer
/// sent from the dashboard's links. Errors (a 400 for a bad parameter) carry them too.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    var response: Response
    do {
      response = try await next(request, context)
    } catch let error as any HTTPResponseError {
      response = try error.response(from: request, context: context)
    }
    response.headers[.xContentTypeOptions] = "nosniff"
    response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
    response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
    return response
  }
}

/// The HTTP endpoints of `vigil serve`.
enum HTTPRoutes {
  static func text(_ s: String, type: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok)
    -> Response
  {
    var headers = HTTPFields()
    headers[.contentType] = type
    headers[.cacheControl] = "no-store"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: s)))
  }

  static func json(_ v: JSONValue) -> Response { text(v.text + "\n", type: "application/json") }

  /// The longest window the dashboard and `/api/providers` read.
  static let maxWindowMs: Int64 = 31 * 86_400_000

  /// Runs a query check; a bad parameter is a 400 with its message.
  static func checked<T>(_ body: () throws(QueryError) -> T) throws(HTTPError) -> T {
    do {
      return try body()
    } catch {
      throw HTTPError(.badRequest, message: error.message)
    }
  }

  /// The router of serve's HTTP port: every area's routes behind the security headers and, when
  /// a token is set, the bearer token.
  static func router(
    state: ServerState, db: SerialStore, token: String?, intake: HTTPIntake, reloader: ConfigReloader
  ) -> Hummingbird.Router<BasicRequestContext> {
    let router = Hummingbird.Router()
    router.add(middleware: SecurityHeadersMiddleware())
    if let token { router.add(middleware: BearerTokenMiddleware(token: Array(token.utf8))) }
    let areas: [any RouteArea] = [
      HealthRoutes(state: state, db: db), APIRoutes(state: state, db: db),
      DashboardRoutes(state: state, db: db),
      ReloadRoutes(reloader: reloader), intake,
    ]
    for area in areas { area.add(to: router) }
    return router
  }
}

/// One area of serve's HTTP endpoints (health, the API, the dashboard, reload, intake), adding
/// its routes to the router: a new endpoint goes where its area is.
protocol RouteArea: Sendable {
  func add(to router: Hummingbird.Router<BasicRequestContext>)
}
