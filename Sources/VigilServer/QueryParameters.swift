import Hummingbird
import VigilCore

/// The query parameters of one request, checked: a bad value is refused with a 400 that says
/// which parameter is wrong and what it must be, never carried into arithmetic.
struct QueryParameters {
  let values: [String: String]

  init(_ request: Request) {
    var values: [String: String] = [:]
    for (name, value) in request.uri.queryParameters { values[String(name)] = String(value) }
    self.values = values
  }

  init(_ values: [String: String]) { self.values = values }

  /// A parameter's text as given (decoded), or nil.
  subscript(_ name: String) -> String? { values[name] }

  /// A positive duration such as `5m`, at most `max`; `defaultMs` when absent.
  func duration(_ name: String, default defaultMs: Int64, max: Int64) throws(QueryError) -> Int64 {
    guard let text = values[name] else { return defaultMs }
    guard let ms = DurationText.parseMs(text), ms > 0 else {
      throw QueryError("\(name)=\(text): not a positive duration such as 5m, 1h or 24h")
    }
    guard ms <= max else { throw QueryError("\(name)=\(text): at most \(DurationText.format(max))") }
    return ms
  }

  /// A time: RFC 3339, a `datetime-local` field's `2026-11-25T10:00` (UTC), or Unix seconds,
  /// within the call log's range; nil when absent or empty (a range form's cleared field).
  func time(_ name: String) throws(QueryError) -> Int64? {
    guard let text = values[name], !text.isEmpty else { return nil }
    let minutes = text.count == 16 ? Timestamp.parseRFC3339(text + ":00Z") : nil
    let seconds =
      text.count <= 12 && text.allSatisfy { $0.isASCII && $0.isNumber } ? Int64(text).map { $0 * 1000 } : nil
    guard let ms = Timestamp.parseRFC3339(text) ?? minutes ?? seconds, ms >= 0, ms <= Timestamp.maxMs else {
      throw QueryError("\(name)=\(text): not a time such as 2026-11-25T10:00:00Z or Unix seconds")
    }
    return ms
  }

  /// A whole number in `range`; `defaultValue` when absent.
  func count(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(QueryError) -> Int {
    guard let text = values[name] else { return defaultValue }
    guard let n = Int(text), range.contains(n) else {
      throw QueryError("\(name)=\(text): a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
    return n
  }
}

/// A query parameter that cannot be used; answered with 400 and the message.
struct QueryError: Error, Equatable {
  var message: String
  init(_ message: String) { self.message = message }
}
