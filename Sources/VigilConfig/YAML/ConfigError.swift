/// A problem in a configuration file, with its place: `alerts.yaml:12:5: unknown key 'treshold' (did you
/// mean 'threshold'?)`.
package struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
  package var file: String
  package var line: Int
  package var column: Int
  package var message: String

  package var description: String { "\(file):\(line):\(column): \(message)" }
}

/// All problems found in a configuration file (every one is reported, not just the first).
package struct ConfigErrors: Error, CustomStringConvertible, Sendable {
  package var errors: [ConfigError]
  package var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Reads alerts.yaml into a ``RuleSet``, refusing the whole file on any error.
