/// The dimensions of a call that rules filter and group by; rollups are kept per series.
///
/// A key is made once (when a batch meets a new series, or a store reads its series table) and
/// looked up many times: every evaluation finds each series in the dictionaries of its windows,
/// groups and memos. So its five names are hashed once, when it is made, and a lookup hashes one
/// word and compares the names only when the hashes agree.
package struct SeriesKey: Sendable, Hashable, Comparable {
  package let provider: String
  package let model: String
  package let app: String
  package let env: String
  package let endpoint: String
  /// The five names hashed with this process's seed (never stored or sent).
  private let hashOfNames: Int

  package init(provider: String, model: String, app: String = "", env: String = "", endpoint: String = "") {
    self.provider = provider
    self.model = model
    self.app = app
    self.env = env
    self.endpoint = endpoint
    var hasher = Hasher()
    hasher.combine(provider)
    hasher.combine(model)
    hasher.combine(app)
    hasher.combine(env)
    hasher.combine(endpoint)
    hashOfNames = hasher.finalize()
  }

  package static func == (a: SeriesKey, b: SeriesKey) -> Bool {
    a.hashOfNames == b.hashOfNames && a.provider == b.provider && a.model == b.model && a.app == b.app
      && a.env == b.env && a.endpoint == b.endpoint
  }

  package func hash(into hasher: inout Hasher) {
    hasher.combine(hashOfNames)
  }

  package static func < (a: SeriesKey, b: SeriesKey) -> Bool {
    (a.provider, a.model, a.app, a.env, a.endpoint) < (b.provider, b.model, b.app, b.env, b.endpoint)
  }
}

extension SeriesKey: CustomStringConvertible {
  /// The names, as the key's fields read (the hash is the process's own, not part of it).
  package var description: String {
    "SeriesKey(provider: \"\(provider)\", model: \"\(model)\", app: \"\(app)\", env: \"\(env)\", endpoint: \"\(endpoint)\")"
  }
}
