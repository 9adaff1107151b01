/// A JSON value built in code and written with its keys in the order given, so that payloads are
/// byte-for-byte reproducible (tests compare them, and a retried message is the same message).
package indirect enum JSONValue: Sendable, Equatable, ExpressibleByStringLiteral,
  ExpressibleByDictionaryLiteral,
  ExpressibleByArrayLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral
{
  case string(String)
  case number(Double)
  case bool(Bool)
  case null
  case array([JSONValue])
  case object([(String, JSONValue)])

  package init(stringLiteral value: String) { self = .string(value) }
  package init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
  package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  package init(booleanLiteral value: Bool) { self = .bool(value) }
  package init(integerLiteral value: Int) { self = .number(Double(value)) }

  /// A map of strings with its keys sorted.
  package static func labels(_ map: [String: String]) -> JSONValue {
    .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
  }

  package static func == (a: JSONValue, b: JSONValue) -> Bool { a.text == b.text }

  package var text: String {
    var out = ""
    write(to: &out)
    return out
  }

  package func write(to out: inout String) {
    switch self {
    case .string(let s): out += JSONText.quote(s)
    case .number(let d): out += JSONText.number(d)
    case .bool(let b): out += b ? "true" : "false"
    case .null: out += "null"
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case .object(let fields):
      out += "{"
      for (i, (key, value)) in fields.enumerated() {
        if i > 0 { out += "," }
        out += JSONText.quote(key) + ":"
        value.write(to: &out)
      }
      out += "}"
    }
  }
}
