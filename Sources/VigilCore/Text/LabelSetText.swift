/// Label sets as Prometheus prints them: `{a="1", b="2"}`, names sorted, values escaped.
package enum LabelSetText {
  package static func format(_ labels: [String: String]) -> String {
    "{"
      + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(quote($0.value))" }.joined(separator: ", ")
      + "}"
  }

  /// A double-quoted string with `\`, `"` and newlines escaped.
  package static func quote(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.unicodeScalars.append(c)
      }
    }
    return out + "\""
  }
}
