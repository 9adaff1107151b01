/// A problem in a configuration file, with its place: `alerts.yaml:12:5: unknown key 'treshold' (did you
/// mean 'threshold'?)`.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
  public var file: String
  public var line: Int
  public var column: Int
  public var message: String

  public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// All problems found in a configuration file (every one is reported, not just the first).
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
  public var errors: [ConfigError]
  public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Reads alerts.yaml into a ``RuleSet``, refusing the whole file on any error.
