/// A setting that may be secret: written in the file, or named as an environment variable that
/// holds it. Printing one never shows a value: only the variable's name, or that it is set.
///
/// ```yaml
/// url_env: VIGIL_SLACK_URL      # .environment("VIGIL_SLACK_URL")
/// url: http://127.0.0.1:8080/   # .literal(...), for URLs that hold no token
/// ```
package enum SecretValue: Sendable, Equatable, CustomStringConvertible {
  case literal(String)
  case environment(String)

  /// The value, from `environment` when it names a variable; `nil` when that variable is unset.
  package func resolve(_ environment: [String: String]) -> String? {
    switch self {
    case .literal(let v): v
    case .environment(let name): environment[name]
    }
  }

  /// Redacted: `$NAME` for a variable, `<redacted>` for a literal.
  package var description: String {
    switch self {
    case .literal: "<redacted>"
    case .environment(let name): "$\(name)"
    }
  }
}
