/// The dimensions a rule can filter and group by.
public enum Dimension: String, Sendable, CaseIterable, Comparable {
  case provider, model, app, env, endpoint

  public func value(of s: SeriesKey) -> String {
    switch self {
    case .provider: s.provider
    case .model: s.model
    case .app: s.app
    case .env: s.env
    case .endpoint: s.endpoint
    }
  }

  public static func < (a: Dimension, b: Dimension) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}
