/// One condition on a label, as Alertmanager writes them: `provider=openai`, `model!=gpt-4o`,
/// `alertname=~"High.*"`, `env!~"dev|test"`. Regular expressions match the whole value.
package struct LabelMatcher: Sendable, Equatable, CustomStringConvertible {
  package enum Operator: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case matches = "=~"
    case notMatches = "!~"
  }

  package var name: String
  package var op: Operator
  package var value: String

  package init(name: String, op: Operator, value: String) {
    self.name = name
    self.op = op
    self.value = value
  }

  /// Parses `name=value`, `name!=value`, `name=~regex` or `name!~regex`; the value may be double-quoted.
  package static func parse(_ text: String) throws(MatcherError) -> LabelMatcher {
    let chars = Array(text)
    guard let at = chars.firstIndex(where: { $0 == "=" || $0 == "!" }), at > 0 else {
      throw MatcherError("'\(text)' is not a matcher such as provider=openai, alertname=~\"High.*\"")
    }
    let name = Substring(String(chars[..<at])).trimmingSpaces()
    guard
      name.unicodeScalars.allSatisfy({
        $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0)
      }),
      !name.isEmpty
    else { throw MatcherError("'\(name)' is not a label name") }
    let rest = String(chars[at...])
    guard
      let op = [Operator.matches, .notMatches, .notEqual, .equal].first(where: { rest.hasPrefix($0.rawValue) }
      )
    else { throw MatcherError("'\(text)': expected =, !=, =~ or !~ after '\(name)'") }
    var value = rest.dropFirst(op.rawValue.count).trimmingSpaces()
    if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
      value = unescape(value.dropFirst().dropLast())
    }
    let matcher = LabelMatcher(name: name, op: op, value: value)
    if op == .matches || op == .notMatches {
      guard (try? Regex(matcher.anchored)) != nil else {
        throw MatcherError("'\(value)' in '\(text)' is not a valid regular expression")
      }
    }
    return matcher
  }

  /// The inside of a double-quoted value: `\"`, `\\` and `\n` as ``LabelSetText/quote(_:)`` writes them.
  static func unescape(_ s: Substring) -> String {
    var out = ""
    var escaped = false
    for c in s {
      if escaped {
        out.append(c == "n" ? "\n" : c)
        escaped = false
      } else if c == "\\" {
        escaped = true
      } else {
        out.append(c)
      }
    }
    return out
  }

  var anchored: String { "^(?:\(value))$" }

  /// Whether `labels` satisfy this matcher; a missing label counts as the empty value.
  package func matches(_ labels: [String: String]) -> Bool {
    let v = labels[name] ?? ""
    switch op {
    case .equal: return v == value
    case .notEqual: return v != value
    case .matches, .notMatches:
      let hit = (try? Regex(anchored)).map { v.wholeMatch(of: $0) != nil } ?? false
      return op == .matches ? hit : !hit
    }
  }

  package var description: String { "\(name)\(op.rawValue)\(LabelSetText.quote(value))" }
}
/// A matcher that could not be read.
package struct MatcherError: Error, CustomStringConvertible, Sendable, Equatable {
  package var description: String
  package init(_ description: String) { self.description = description }
}
