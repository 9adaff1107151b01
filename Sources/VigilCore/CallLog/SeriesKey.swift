/// The dimensions of a call that rules filter and group by; rollups are kept per series.
public struct SeriesKey: Sendable, Hashable, Comparable {
  public var provider: String
  public var model: String
  public var app: String
  public var env: String
  public var endpoint: String

  public init(provider: String, model: String, app: String = "", env: String = "", endpoint: String = "") {
    self.provider = provider
    self.model = model
    self.app = app
    self.env = env
    self.endpoint = endpoint
  }

  public static func < (a: SeriesKey, b: SeriesKey) -> Bool {
    (a.provider, a.model, a.app, a.env, a.endpoint) < (b.provider, b.model, b.app, b.env, b.endpoint)
  }
}
