/// An OTLP attribute value as Vigil reads it: strings, numbers and booleans; lists and maps
/// (which no call field needs) are kept as absent.
package enum AttributeValue: Sendable, Equatable {
  case string(String)
  case int(Int64)
  case double(Double)
  case bool(Bool)

  /// The value as text: what a string field (provider, model, error code) takes.
  package var text: String? {
    switch self {
    case .string(let s): s
    case .int(let i): String(i)
    case .double(let d): d.isFinite ? String(d) : nil
    case .bool(let b): b ? "true" : "false"
    }
  }

  /// The value as an integer: ints, integral doubles and integer strings ("429").
  package var integer: Int64? {
    switch self {
    case .int(let i): i
    case .double(let d): d.isFinite && d == d.rounded() && abs(d) < 9e18 ? Int64(d) : nil
    case .string(let s): Int64(s.trimmingSpaces())
    case .bool: nil
    }
  }

  /// The value as a number: ints, doubles and numeric strings.
  package var number: Double? {
    switch self {
    case .int(let i): Double(i)
    case .double(let d): d.isFinite ? d : nil
    case .string(let s): Double(s.trimmingSpaces()).flatMap { $0.isFinite ? $0 : nil }
    case .bool: nil
    }
  }
}

/// Attributes by key: a span's over its resource's (a span's own win), as the mapping reads them.
package struct Attributes: Sendable {
  package var values: [String: AttributeValue] = [:]

  package init(_ values: [String: AttributeValue] = [:]) { self.values = values }

  package subscript(_ key: String) -> AttributeValue? { values[key] }

  /// The first of `keys` that is present, as text (empty strings count as absent).
  package func text(_ keys: String...) -> String? {
    for k in keys { if let t = values[k]?.text, !t.isEmpty { return t } }
    return nil
  }

  package func integer(_ keys: String...) -> Int64? {
    for k in keys { if let v = values[k]?.integer { return v } }
    return nil
  }

  package func number(_ keys: String...) -> Double? {
    for k in keys { if let v = values[k]?.number { return v } }
    return nil
  }

  /// These attributes with `other`'s added where these have none.
  package func over(_ other: Attributes) -> Attributes {
    Attributes(values.merging(other.values) { mine, _ in mine })
  }
}

extension String {
  func trimmingSpaces() -> Substring {
    var s = Substring(self)
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return s
  }
}
