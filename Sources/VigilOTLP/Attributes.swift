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

/// Attributes by key, read in place from the span's (or record's) list and then its resource's
/// (a span's own win): no dictionary per span, since a span has a dozen attributes at most and
/// intake reads a hundred thousand spans a second.
package struct Attributes: Sendable {
  let own: [Vigil_Otlp_V1_KeyValue]
  let resource: [Vigil_Otlp_V1_KeyValue]

  package init(_ own: [Vigil_Otlp_V1_KeyValue], resource: [Vigil_Otlp_V1_KeyValue] = []) {
    self.own = own
    self.resource = resource
  }

  package subscript(_ key: String) -> AttributeValue? {
    for kv in own where kv.key == key { return Self.scalar(kv.value) }
    for kv in resource where kv.key == key { return Self.scalar(kv.value) }
    return nil
  }

  /// A scalar value; a list of scalars counts as its first element (captured HTTP headers are
  /// lists of strings); maps and bytes as absent.
  static func scalar(_ v: Vigil_Otlp_V1_AnyValue) -> AttributeValue? {
    switch v.value {
    case .stringValue(let s): .string(s)
    case .intValue(let i): .int(i)
    case .doubleValue(let d): .double(d)
    case .boolValue(let b): .bool(b)
    case .arrayValue(let a): a.values.first.flatMap(scalar)
    default: nil
    }
  }

  /// The first of `keys` that is present, as text (empty strings count as absent).
  package func text(_ keys: String...) -> String? {
    for k in keys { if let t = self[k]?.text, !t.isEmpty { return t } }
    return nil
  }

  /// Every string of a list attribute (`gen_ai.response.finish_reasons`); a scalar as a list of one.
  package func texts(_ key: String) -> [String] {
    let kv = own.first { $0.key == key } ?? resource.first { $0.key == key }
    guard let kv else { return [] }
    if case .arrayValue(let a) = kv.value.value { return a.values.compactMap { Self.scalar($0)?.text } }
    return Self.scalar(kv.value)?.text.map { [$0] } ?? []
  }

  package func integer(_ keys: String...) -> Int64? {
    for k in keys { if let v = self[k]?.integer { return v } }
    return nil
  }

  package func number(_ keys: String...) -> Double? {
    for k in keys { if let v = self[k]?.number { return v } }
    return nil
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
