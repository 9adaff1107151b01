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

  static func router(
    state: ServerState, db: SerialStore, token: String?, intake: HTTPIntake, reloader: ConfigReloader
  )
    -> Hummingbird.Router<BasicRequestContext>
  {
    let router = Hummingbird.Router()
    router.add(middleware: SecurityHeadersMiddleware())
    if let token { router.add(middleware: BearerTokenMiddleware(token: Array(token.utf8))) }
    let ready: @Sendable () -> Response = {
      state.isReady ? text("ready\n") : text("not ready: no evaluation yet\n", status: .serviceUnavailable)
    }
    router.get("/healthz") { _, _ in text("ok\n") }
    router.get("/readyz") { _, _ in ready() }
    // Load balancers and uptime checkers often probe with HEAD: the status without the body.
    router.head("/healthz") { _, _ in Response(status: .ok, headers: text("").headers) }
    router.head("/readyz") { _, _ in
      let r = ready()
      return Response(status: r.status, headers: r.headers)
    }
    router.get("/metrics") { _, _ in
      let outbox = (try? await db.run { try $0.outboxCounts() }) ?? [:]
      return text(
        MetricsPage.render(state: state, outbox: outbox), type: "text/plain; version=0.0.4; charset=utf-8")
    }
    router.get("/api/alerts") { _, _ in json(API.alerts(state: state, rules: state.rules)) }
    // Prometheus's reload endpoint: 200 once the new configuration is in effect, 500 with the
    // errors when it was refused (the previous one stays).
    router.post("/-/reload") { _, _ in
      // Reading and checking the files blocks: not on the threads Swift concurrency shares.
      switch try await WorkerThread.run({ reloader.reload(trigger: "POST /-/reload") }) {
      case .applied(let notes):
        return text((["configuration reloaded"] + notes).joined(separator: "\n") + "\n")
      case .refused(let errors):
        return text(
          (["configuration refused; the previous one stays in effect:"] + errors).joined(separator: "\n")
            + "\n",
          status: .internalServerError)
      }
    }
    router.get("/api/transitions") { request, _ in
      let query = QueryParameters(request)
      let since = try checked { () throws(QueryError) in
        try query.duration("since", default: 86_400_000, max: DurationText.maxMs)
      }
      let limit = try checked { () throws(QueryError) in
        try query.count("limit", default: 100, range: 1...10_000)
      }
      return json(try await db.run { try API.transitions($0, sinceMs: since, limit: limit) })
    }
    router.get("/api/providers") { request, _ in
      let query = QueryParameters(request)
      let window = try checked { () throws(QueryError) in
        try query.duration("window", default: 300_000, max: maxWindowMs)
      }
      return json(try await db.run { try API.providers($0, windowMs: window) })
    }
    router.get("/api/rejects") { request, _ in
      let query = QueryParameters(request)
      let limit = try checked { () throws(QueryError) in
        try query.count("limit", default: 50, range: 1...1000)
      }
      return json(try await db.run { try API.rejects($0, limit: limit) })
    }
    router.get("/api/ingest") { _, _ in json(API.ingest(state: state)) }
    // LiteLLM's generic_api callback: its per-request log, as calls.
    router.post("/ingest/litellm") { request, _ in await intake.handle(request, .litellm) }
    router.get("/api/sources") { request, _ in
      let query = QueryParameters(request)
      let window = try checked { () throws(QueryError) in
        try query.duration("window", default: 86_400_000, max: maxWindowMs)
      }
      return json(try await db.run { try API.sources($0, windowMs: window) })
    }
    router.get("/") { request, _ in
      let query = QueryParameters(request)
      let window = try checked { () throws(QueryError) in
        try query.duration("window", default: 3_600_000, max: maxWindowMs)
      }
      let provider = query["provider"].flatMap { $0.isEmpty ? nil : $0 }
      let asked = query["window"]
      let now = WallClock.nowMs()
      let rules = state.rules
      let (report, note) = try await db.run { store in
        // With no window asked for and no call in the last hour, the default view moves to the
        // hour that ends with the last call stored (say, an example log of last week).
        var to = now
        var note: String?
        if asked == nil, let last = try store.lastCallBucketEndMs(beforeMs: now + rollupBucketMs),
          last < now - window
        {
          to = last
          note =
            "No call in the last \(DurationText.format(window)): showing the \(DurationText.format(window)) up to the last one stored, \(Timestamp.formatRFC3339(last))."
        }
        let report = try Report.build(
          store: store, rules: rules, fromMs: to - window, toMs: to, nowMs: now, provider: provider)
        return (report, note)
      }
      let windowText = asked.map { _ in DurationText.format(window) } ?? "1h"
      let page = report.html(
        live: API.liveAlerts(state: state, rules: rules).filter {
          provider == nil || $0.labels["provider"] == nil || $0.labels["provider"] == provider
        }, refreshSeconds: 30, title: "Vigil",
        dashboard: DashboardView(current: windowText, note: note))
      var response = text(page, type: "text/html; charset=utf-8")
      // The page is self-contained: inline CSS and SVG, no script, nothing fetched.
      response.headers[.contentSecurityPolicy] =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'self'"
      return response
    }
    return router
  }
}

/// The JSON API's documents.
enum API {
  static func alerts(state: ServerState, rules: RuleSet) -> JSONValue {
    let (evaluation, at) = state.withLock { ($0.lastEvaluation, $0.lastEvaluationMs) }
    let byName = Dictionary(rules.rules.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var alerts: [JSONValue] = []
    for g in (evaluation?.groups ?? []).sorted(by: { $0.key < $1.key }) where g.phase != .inactive {
      let rule = byName[g.key.rule]
      let st = evaluation?.states[g.key]
      alerts.append([
        "rule": .string(g.key.rule), "state": .string(g.phase.rawValue), "labels": .labels(g.labels),
        "value": g.value.map(JSONValue.number) ?? .null,
        "value_text": .string(rule?.metric.format(g.value) ?? "-"),
        "threshold": .number(rule?.threshold ?? 0),
        "threshold_text": .string(
          rule.map { "\($0.comparison.rawValue) \($0.metric.format($0.threshold))" } ?? ""),
        "active_since": st?.activeSinceMs.map { .string(Timestamp.formatRFC3339($0)) } ?? .null,
        "fired_at": st?.firedAtMs.map { .string(Timestamp.formatRFC3339($0)) } ?? .null,
        // Kept as it was because its window has no data (no_data: keep): since when.
        "no_data_since": g.noDataSinceMs.map { .string(Timestamp.formatRFC3339($0)) } ?? .null,
        "summary": .string(
          rule.map {
            Template.render($0.summary, TemplateContext(rule: $0, value: g.value, labels: g.labels))
          } ?? ""),
      ])
    }
    return [
      "evaluated_at": at.map { .string(Timestamp.formatRFC3339($0)) } ?? .null, "alerts": .array(alerts),
    ]
  }

  /// Alerts pending or firing now, for the top of the dashboard.
  static func liveAlerts(state: ServerState, rules: RuleSet) -> [LiveAlert] {
    let evaluation = state.withLock { $0.lastEvaluation }
    let byName = Dictionary(rules.rules.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    return (evaluation?.groups ?? []).filter { $0.phase != .inactive }
      .sorted { ($0.phase == .firing ? 0 : 1, $0.key) < ($1.phase == .firing ? 0 : 1, $1.key) }
      .map { g in
        let rule = byName[g.key.rule]
        let st = evaluation?.states[g.key]
        return LiveAlert(
          rule: g.key.rule,
          state: g.noDataSinceMs == nil ? g.phase.rawValue : g.phase.rawValue + " (no data)",
          labels: g.labels,
          value: rule?.metric.format(g.value) ?? "-",
          threshold: rule.map { "\($0.comparison.rawValue) \($0.metric.format($0.threshold))" } ?? "",
          sinceMs: st?.firedAtMs ?? st?.activeSinceMs,
          summary: rule.map {
            Template.render($0.summary, TemplateContext(rule: $0, value: g.value, labels: g.labels))
          } ?? "")
      }
  }

  static func transitions(_ store: Store, sinceMs: Int64, limit: Int) throws -> JSONValue {
    let list = try store.transitions(fromMs: WallClock.nowMs() - sinceMs).suffix(limit)
    return [
      "transitions": .array(
        list.reversed().map { t in
          [
            "at": .string(Timestamp.formatRFC3339(t.atMs)), "rule": .string(t.rule), "kind": .string(t.kind),
            "labels": .labels(t.labels), "value": t.value.map(JSONValue.number) ?? .null,
            "threshold": .number(t.threshold), "summary": .string(t.summary),
          ]
        })
    ]
  }

  static func providers(_ store: Store, windowMs: Int64) throws -> JSONValue {
    let now = WallClock.nowMs()
    var byProvider: [String: Rollup] = [:]
    for (series, r) in try store.rollups(
      fromMs: RollupKey.bucket(of: now - windowMs), toMs: now + 1, latency: true)
    {
      byProvider[series.provider, default: Rollup()].merge(r)
    }
    let rate = { (a: Int64, b: Int64) -> JSONValue in b > 0 ? .number(Double(a) / Double(b)) : .null }
    return [
      "window": .string(DurationText.format(windowMs)),
      "providers": .array(
        byProvider.sorted { $0.key < $1.key }.map { name, r in
          [
            "provider": .string(name), "attempts": .number(Double(r.attempts)),
            "error_rate": rate(r.errors, r.attempts),
            "rate_429": rate(r.status429, r.attempts), "rate_5xx": rate(r.status5xx, r.attempts),
            "auth_failure_rate": rate(r.auth, r.attempts),
            "retry_exhaustion_rate": rate(r.exhausted, r.requests),
            "p99_latency_ms": r.latency.quantile(0.99).map(JSONValue.number) ?? .null,
          ]
        }),
    ]
  }

  /// Each source's calls in the window and the last one: a source that went quiet shows how long.
  static func sources(_ store: Store, windowMs: Int64) throws -> JSONValue {
    let now = WallClock.nowMs()
    let activity = SourceActivity.byFamily(try store.sourceActivity(fromMs: now - windowMs, toMs: now + 1))
    return [
      "window": .string(DurationText.format(windowMs)),
      "sources": .array(
        activity.values.sorted { $0.source < $1.source }.map { a in
          [
            "source": .string(a.source), "calls": .number(Double(a.calls)),
            "last_call": .string(Timestamp.formatRFC3339(a.lastCallMs)),
            "quiet_seconds": .number(Double(max(0, now - a.lastCallMs)) / 1000),
          ]
        }),
    ]
  }

  static func rejects(_ store: Store, limit: Int) throws -> JSONValue {
    [
      "rejects": .array(
        try store.rejects(limit: limit).map { r in
          [
            "at": .string(Timestamp.formatRFC3339(r.atMs)), "source": .string(r.source),
            "offset": .number(Double(r.offset)),
            "line_number": r.lineNumber.map { .number(Double($0)) } ?? .null,
            "kind": .string(r.kind), "reason": .string(r.reason), "line": .string(r.line),
          ]
        })
    ]
  }

  static func ingest(state: ServerState) -> JSONValue {
    state.withLock { state in
      var fields: [(String, JSONValue)] = state.ingest.sorted { $0.key < $1.key }.map { source, s in
        (source, ["stored": .number(Double(s.stored)), "rejected": .number(Double(s.rejected))])
      }
      if let u = state.udp {
        fields.append(
          (
            "udp_socket",
            [
              "received": .number(Double(u.datagrams.load(ordering: .relaxed))),
              "dropped_by_kernel": .number(Double(u.kernelDrops.load(ordering: .relaxed))),
              "dropped_backlog_full": .number(Double(u.backlogDrops.load(ordering: .relaxed))),
              "truncated": .number(Double(u.truncated.load(ordering: .relaxed))),
              "backlog": .number(Double(u.backlog.load(ordering: .relaxed))),
            ]
          ))
      }
      return .object(fields)
    }
  }
}
