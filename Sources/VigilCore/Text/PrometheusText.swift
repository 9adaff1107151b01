/// The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then samples.
package struct PrometheusText {
  package private(set) var text = ""
  var declared: Set<String> = []

  package init() {}

  /// Declares a metric family once; samples follow with ``sample(_:_:_:)``.
  package mutating func family(_ name: String, _ type: String, _ help: String) {
    guard declared.insert(name).inserted else { return }
    text += "# HELP \(name) \(help.replacingBackslashesAndNewlines())\n# TYPE \(name) \(type)\n"
  }

  package mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
    text += name
    if !labels.isEmpty {
      text += "{" + labels.map { "\($0.0)=\(LabelSetText.quote($0.1))" }.joined(separator: ",") + "}"
    }
    text += " " + Self.number(value) + "\n"
  }

  package static func number(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
  }
}
extension String {
  func replacingBackslashesAndNewlines() -> String {
    var out = ""
    for c in unicodeScalars {
      switch c {
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
