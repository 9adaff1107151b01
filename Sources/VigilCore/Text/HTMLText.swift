/// Escaping for HTML text and attribute values: every value Vigil puts in a page or an email
/// (model names, labels, summaries) is user input.
package enum HTMLText {
  /// `&`, `<`, `>`, `"` and `'` as character references.
  package static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
