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
      let now = WallClock.nowMs()
      let range = try HTTPRoutes.checked { () throws(QueryError) in try Self.range(query, nowMs: now) }
      let provider = query["provider"].flatMap { $0.isEmpty ? nil : $0 }
      let rules = state.rules.rules
      let (report, note, to) = try await db.run { store in
        // With no range asked for and no call in the last hour, the default view moves to the
        // hour that ends with the last call stored (say, an example log of last week).
        var to = range.toMs
        var note: String?
        if !range.asked, let last = try store.lastCallBucketEndMs(beforeMs: now + rollupBucketMs),
          last < now - range.windowMs
        {
          to = last
          note =
            "No call in the last \(DurationText.format(range.windowMs)): showing the \(DurationText.format(range.windowMs)) up to the last one stored, \(Timestamp.formatRFC3339(last))."
        }
        let report = try Report.build(
          store: store, rules: rules, fromMs: to - range.windowMs, toMs: to, nowMs: now, provider: provider)
        return (report, note, to)
      }
      let live = AlertView.build(state.evaluation.latest.evaluation, rules: rules)
        .filter { provider == nil || $0.labels["provider"] == nil || $0.labels["provider"] == provider }
        .map(\.live)
      var view = DashboardView(current: range.windowText, note: note)
      // A view of the past keeps its end in the window links, and does not reload itself.
      view.toMs = to == now ? nil : to
      // `?alert=NAME`, the link of every message: that alert and its providers, marked.
      view.highlight = query["alert"].flatMap { $0.isEmpty ? nil : $0 }
      view.highlightProviders = Set(
        live.filter { $0.rule == view.highlight }.compactMap { $0.labels["provider"] })
      let page = report.html(
        live: live, refreshSeconds: view.toMs == nil ? 30 : nil, title: "Vigil", dashboard: view)
      var response = HTTPRoutes.text(page, type: "text/html; charset=utf-8")
      // The page is self-contained: inline CSS and SVG, no script, nothing fetched.
      response.headers[.contentSecurityPolicy] =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'self'"
      return response
    }
  }

  /// The view's range from `window`, `from` and `to`: both ends given, the range between them;
  /// one, the window (default 1h) from or up to it; none, the window up to now.
  struct Range {
    var windowMs: Int64
    var toMs: Int64
    /// Whether the query chose the range (else the view may move to where the data is).
    var asked: Bool
    /// The window link to mark as current, if the range is one of them.
    var windowText: String?
  }

  static func range(_ query: QueryParameters, nowMs: Int64) throws(QueryError) -> Range {
    var window = try query.duration("window", default: 3_600_000, max: HTTPRoutes.maxWindowMs)
    let from = try query.time("from")
    var to = try query.time("to") ?? nowMs
    let toAsked = query["to"].map { !$0.isEmpty } == true
    if let from {
      if toAsked {
        guard from < to else { throw QueryError("from=\(query["from"] ?? ""): must be before to") }
        window = to - from
      } else {
        to = from + window
      }
      guard window <= HTTPRoutes.maxWindowMs else {
        throw QueryError(
          "from=\(query["from"] ?? ""): at most \(DurationText.format(HTTPRoutes.maxWindowMs)) before to")
      }
    }
    let asked = query["window"] != nil || from != nil || toAsked
    let text = DurationText.format(window)
    return Range(
      windowMs: window, toMs: to, asked: asked,
      windowText: ["15m", "1h", "6h", "24h"].contains(text) || query["window"] != nil ? text : nil)
  }
}
