/// A JSON body's size as a decoder would allocate it, counted in one pass over its bytes before
/// it is decoded: OTLP/JSON and LiteLLM's bodies decode into one object per value, so the count
/// of values, not of bytes, bounds what decoding costs (`[{},{},…]` is 3 bytes a value).
package struct JSONShape: Sendable, Equatable {
  /// Values: objects, arrays, keys and scalars (an estimate from above: separators plus one).
  package var values = 0
  /// Items: the elements of a top-level array, else the top-level values (NDJSON's lines).
  package var items = 0
  package var deepest = 0

  /// Counts `body`, refusing (413) what passes the value or depth bound of `limits` as soon as
  /// it does (its items are the caller's to bound: LiteLLM's payloads, not OTLP's spans).
  package static func scan(_ body: [UInt8], limits: IntakeLimits) throws(PayloadError) -> JSONShape {
    var shape = JSONShape()
    var depth = 0
    var inString = false
    var escaped = false
    var topLevelArray = false
    var sawValue = false
    for byte in body {
      if inString {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""):
        inString = true
        if depth == 0 {
          shape.items += 1
        } else if depth == 1 && topLevelArray && !sawValue {
          sawValue = true
          shape.items += 1
        }
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        if depth == 0 {
          topLevelArray = byte == UInt8(ascii: "[") && shape.items == 0
          if !topLevelArray { shape.items += 1 }
        } else if depth == 1 && topLevelArray && !sawValue {
          sawValue = true
          shape.items += 1
        }
        depth += 1
        shape.values += 1
        shape.deepest = max(shape.deepest, depth)
        if depth > limits.maxDepth {
          throw PayloadError(413, "the JSON body nests deeper than \(limits.maxDepth)")
        }
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth = max(0, depth - 1)
      case UInt8(ascii: ","):
        shape.values += 1
        if depth == 1 && topLevelArray { shape.items += 1 }
      case UInt8(ascii: ":"):
        shape.values += 1
      case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
        break
      default:
        if depth == 1 && topLevelArray && !sawValue {
          sawValue = true
          shape.items += 1
        }
      }
      if shape.values > limits.maxJSONValues {
        throw PayloadError(413, "the JSON body has more than \(limits.maxJSONValues) values")
      }
    }
    shape.values += 1
    return shape
  }
}
