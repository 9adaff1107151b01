/// The dimensions a rule can filter and group by.
package enum Dimension: String, Sendable, CaseIterable, Comparable {
  case provider, model, app, env, endpoint

  package func value(of s: SeriesKey) -> String {
    switch self {
    case .provider: s.provider
    case .model: s.model
    case .app: s.app
    case .env: s.env
    case .endpoint: s.endpoint
    }
  }

  package static func < (a: Dimension, b: Dimension) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}
