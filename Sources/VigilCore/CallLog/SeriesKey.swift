/// The dimensions of a call that rules filter and group by; rollups are kept per series.
package struct SeriesKey: Sendable, Hashable, Comparable {
  package var provider: String
  package var model: String
  package var app: String
  package var env: String
  package var endpoint: String

  package init(provider: String, model: String, app: String = "", env: String = "", endpoint: String = "") {
    self.provider = provider
    self.model = model
    self.app = app
    self.env = env
    self.endpoint = endpoint
  }

  package static func < (a: SeriesKey, b: SeriesKey) -> Bool {
    (a.provider, a.model, a.app, a.env, a.endpoint) < (b.provider, b.model, b.app, b.env, b.endpoint)
  }
}
