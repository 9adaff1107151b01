import Hummingbird
import VigilSync

/// Prometheus's reload endpoint: 200 once the new configuration is in effect, 500 with the
/// errors when it was refused (the previous one stays).
struct ReloadRoutes: RouteArea {
  let reloader: ConfigReloader

  func add(to router: Hummingbird.Router<BasicRequestContext>) {
    let reloader = self.reloader
    router.post("/-/reload") { _, _ in
      // Reading and checking the files blocks: not on the threads Swift concurrency shares.
      switch try await WorkerThread.run({ reloader.reload(trigger: "POST /-/reload") }) {
      case .applied(let notes):
        return HTTPRoutes.text((["configuration reloaded"] + notes).joined(separator: "\n") + "\n")
      case .refused(let errors):
        return HTTPRoutes.text(
          (["configuration refused; the previous one stays in effect:"] + errors).joined(separator: "\n")
            + "\n",
          status: .internalServerError)
      }
    }
  }
}
