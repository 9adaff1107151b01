/// How the store keeps the stream fields most streamed calls carry (schema 13): `stream` and
/// `stream_outcome` packed in one small integer column, `ttft_ms` and `max_chunk_gap_ms` in columns
/// of their own. As keys of the `detail` JSON they were 85 bytes on most streamed rows, a JSON text
/// to write per row and the largest part of the database; as columns they are about 12 bytes and
/// three bound values. The rare stream fields (`stream_error_type`, `error_after_ms`,
/// `output_tokens_partial`) stay in `detail`, and rows stored before schema 13 keep all of theirs
/// there: `call_log` shows the column where it is set, else the `detail` key.
package enum StreamColumns {
  /// The packed `stream` column: what the line said of `stream` (0 nothing, 1 false, 2 true) in
  /// the low two bits, the ``StreamOutcome/code`` (0 for none) above them; nil (NULL) when both are
  /// absent. At most 22: one byte on disk.
  @inline(__always) package static func packed(said: Bool, stream: Bool, outcome: UInt8) -> Int64? {
    let value = Int64(said ? (stream ? 2 : 1) : 0) | Int64(outcome) << 2
    return value == 0 ? nil : value
  }

  /// The fields a packed value holds: whether `stream` was said and its value, and the outcome
  /// code; nil for a value no row is written with.
  package static func unpacked(_ value: Int64) -> (said: Bool, stream: Bool, outcome: UInt8)? {
    let said = value & 3
    let outcome = value >> 2
    guard value > 0, said != 3, outcome <= Int64(StreamOutcome.allCases.count) else { return nil }
    return (said != 0, said == 2, UInt8(outcome))
  }

  /// A number as the `detail` JSON held it (``JSONText/number(_:)``): an integer when it has no
  /// fraction and is below 1e15, else a double. The columns have no type affinity, so SQLite keeps
  /// what is bound, and `call_log` gives the same type (INTEGER or REAL) it gave from JSON.
  @inline(__always) package static func integral(_ d: Double) -> Int64? {
    d == d.rounded() && abs(d) < 1e15 ? Int64(d) : nil
  }

  /// `call_log`'s expression of a stream field: the column for rows of schema 13 on, the `detail`
  /// key for older ones (and NULL where neither holds it). `stream` is 0 or 1 as JSON's false and
  /// true were; `stream_outcome` the outcome's name.
  package static func viewExpression(_ field: String) -> String? {
    switch field {
    case "stream": return "coalesce(nullif(c.stream & 3, 0) - 1, c.detail ->> '$.stream')"
    case "stream_outcome": return "coalesce(\(outcomeName("c.stream")), c.detail ->> '$.stream_outcome')"
    case "ttft_ms", "max_chunk_gap_ms": return "coalesce(c.\(field), c.detail ->> '$.\(field)')"
    default: return nil
    }
  }

  /// SQL naming the outcome of a packed `stream` column (`column`): NULL when it holds none.
  package static func outcomeName(_ column: String) -> String {
    let cases = StreamOutcome.allCases.map { "WHEN \($0.code) THEN '\($0.rawValue)'" }.joined(separator: " ")
    return "(CASE \(column) >> 2 \(cases) END)"
  }
}

extension CallRow {
  /// The packed `stream` column of this row (``StreamColumns/packed(said:stream:outcome:)``).
  @inline(__always) package var streamColumn: Int64? {
    StreamColumns.packed(
      said: flags.contains(.streamSaid), stream: flags.contains(.stream), outcome: streamOutcome)
  }
}
