import HTTPTypes
import Hummingbird
import VigilStore

/// Health, readiness and `/metrics`: what load balancers, uptime checks and Prometheus ask.
struct HealthRoutes: RouteArea {
  let state: ServerState
  let db: SerialStore

  func add(to router: Hummingbird.Router<BasicRequestContext>) {
    let state = self.state
    let db = self.db
    let ready: @Sendable () -> Response = {
      state.isReady
        ? HTTPRoutes.text("ready\n")
        : HTTPRoutes.text("not ready: no evaluation yet\n", status: .serviceUnavailable)
    }
    router.get("/healthz") { _, _ in HTTPRoutes.text("ok\n") }
    router.get("/readyz") { _, _ in ready() }
    // Load balancers and uptime checkers often probe with HEAD: the status without the body.
    router.head("/healthz") { _, _ in Response(status: .ok, headers: HTTPRoutes.text("").headers) }
    router.head("/readyz") { _, _ in
      let r = ready()
      return Response(status: r.status, headers: r.headers)
    }
    router.get("/metrics") { _, _ in
      let outbox = (try? await db.run { try $0.outboxCounts() }) ?? [:]
      return HTTPRoutes.text(
        MetricsPage.render(state: state, outbox: outbox), type: "text/plain; version=0.0.4; charset=utf-8")
    }
  }
}
