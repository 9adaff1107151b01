import Hummingbird
import VigilCore
import VigilStore

/// The JSON API (`/api/...`): alerts, transitions, providers, sources, rejects and intake counts.
struct APIRoutes: RouteArea {
  let state: ServerState
  let db: SerialStore

  func add(to router: Hummingbird.Router<BasicRequestContext>) {
    let state = self.state
    let db = self.db
    router.get("/api/alerts") { _, _ in
      let (evaluation, at) = state.evaluation.latest
      return HTTPRoutes.json(
        API.alerts(AlertView.build(evaluation, rules: state.rules.rules), evaluatedAtMs: at))
    }
    router.get("/api/transitions") { request, _ in
      let query = QueryParameters(request)
      let since = try HTTPRoutes.checked { () throws(QueryError) in
        try query.duration("since", default: 86_400_000, max: DurationText.maxMs)
      }
      let limit = try HTTPRoutes.checked { () throws(QueryError) in
        try query.count("limit", default: 100, range: 1...10_000)
      }
      return HTTPRoutes.json(try await db.run { try API.transitions($0, sinceMs: since, limit: limit) })
    }
    router.get("/api/providers") { request, _ in
      let query = QueryParameters(request)
      let window = try HTTPRoutes.checked { () throws(QueryError) in
        try query.duration("window", default: 300_000, max: HTTPRoutes.maxWindowMs)
      }
      return HTTPRoutes.json(try await db.run { try API.providers($0, windowMs: window) })
    }
    router.get("/api/rejects") { request, _ in
      let query = QueryParameters(request)
      let limit = try HTTPRoutes.checked { () throws(QueryError) in
        try query.count("limit", default: 50, range: 1...1000)
      }
      return HTTPRoutes.json(try await db.run { try API.rejects($0, limit: limit) })
    }
    router.get("/api/remote_write") { _, _ in HTTPRoutes.json(API.remoteWrite(state.remoteWrite.snapshot)) }
    router.get("/api/ingest") { _, _ in HTTPRoutes.json(API.ingest(state.intake.snapshot)) }
    router.get("/api/sources") { request, _ in
      let query = QueryParameters(request)
      let window = try HTTPRoutes.checked { () throws(QueryError) in
        try query.duration("window", default: 86_400_000, max: HTTPRoutes.maxWindowMs)
      }
      return HTTPRoutes.json(try await db.run { try API.sources($0, windowMs: window) })
    }
  }
}
