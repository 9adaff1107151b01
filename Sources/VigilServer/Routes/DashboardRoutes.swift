import Hummingbird
import VigilCore
import VigilReport
import VigilStore

/// The live dashboard (`/`): the report of a window, with the alerts pending or firing now.
struct DashboardRoutes: RouteArea {
  let state: ServerState
  let db: SerialStore

  func add(to router: Hummingbird.Router<BasicRequestContext>) {
    let state = self.state
    let db = self.db
    router.get("/") { request, _ in
      let query = QueryParameters(request)
      let window = try HTTPRoutes.checked { () throws(QueryError) in
        try query.duration("window", default: 3_600_000, max: HTTPRoutes.maxWindowMs)
      }
      let provider = query["provider"].flatMap { $0.isEmpty ? nil : $0 }
      let asked = query["window"]
      let now = WallClock.nowMs()
      let rules = state.rules.rules
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
      let live = AlertView.build(state.evaluation.latest.evaluation, rules: rules)
        .filter { provider == nil || $0.labels["provider"] == nil || $0.labels["provider"] == provider }
        .map(\.live)
      let page = report.html(
        live: live, refreshSeconds: 30, title: "Vigil",
        dashboard: DashboardView(current: windowText, note: note))
      var response = HTTPRoutes.text(page, type: "text/html; charset=utf-8")
      // The page is self-contained: inline CSS and SVG, no script, nothing fetched.
      response.headers[.contentSecurityPolicy] =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'self'"
      return response
    }
  }
}
