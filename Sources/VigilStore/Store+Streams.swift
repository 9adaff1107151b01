import VigilCore

/// Failed streams with one outcome and in-band type, from the stored calls: what a report's
/// "failed streams by type" table shows (rollups keep the class, not the provider's type).
package struct StreamFailureCount: Sendable, Equatable {
  package var provider: String
  package var model: String
  /// `error_event`, `truncated`, `idle_timeout` or `client_cancelled`.
  package var outcome: String
  /// The provider's in-band type or code (`overloaded_error`, `server_error`, ...), "" when none.
  package var type: String
  package var count: Int64

  package init(provider: String, model: String, outcome: String, type: String, count: Int64) {
    self.provider = provider
    self.model = model
    self.outcome = outcome
    self.type = type
    self.count = count
  }
}

extension Store {
  /// Streams of `[fromMs, toMs)` that failed after their 2xx, per provider, model, outcome and
  /// in-band type, most first. Like ``errorCodes(fromMs:toMs:provider:maxCalls:)``, at most the
  /// last `maxCalls` calls of the stretch are read; `complete` says whether that was all of it.
  package func streamFailureTypes(
    fromMs: Int64, toMs: Int64, provider: String? = nil, maxCalls: Int64 = 1_000_000
  ) throws(StoreError) -> (counts: [StreamFailureCount], complete: Bool) {
    guard let (start, last, complete) = try lastCalls(fromMs: fromMs, toMs: toMs, maxCalls: maxCalls) else {
      return ([], true)
    }
    // The outcome is in the packed `stream` column from schema 13 on (a failure's code is 2 or
    // more: the column 8 or more), in `detail` before (StreamColumns).
    let s = try connection.prepare(
      """
      SELECT s.provider, s.model, coalesce(\(StreamColumns.outcomeName("c.stream")), c.detail ->> '$.stream_outcome'),
        coalesce(c.detail ->> '$.stream_error_type', c.detail ->> '$.error_code', c.detail ->> '$.error_type', ''),
        count(*)
      FROM calls c JOIN series s ON s.id = c.series
      WHERE c.id BETWEEN ? AND ? AND c.ts >= ? AND c.ts < ?
        AND c.status >= 200 AND c.status < 300 AND (?5 IS NULL OR s.provider = ?5)
        AND (c.stream >= 8 OR (c.stream IS NULL AND c.detail IS NOT NULL
          AND c.detail ->> '$.stream_outcome' IS NOT NULL AND c.detail ->> '$.stream_outcome' != 'completed'))
      GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 2, 3, 4 LIMIT 50
      """)
    try s.bind([.int(start), .int(last), .int(fromMs), .int(toMs), provider.map(SQLValue.text) ?? .null])
    var out: [StreamFailureCount] = []
    while try s.step() {
      out.append(
        StreamFailureCount(
          provider: s.text(0) ?? "", model: s.text(1) ?? "", outcome: s.text(2) ?? "", type: s.text(3) ?? "",
          count: s.int64(4)))
    }
    return (out, complete)
  }

  /// The ids of the last `maxCalls` calls stored for `[fromMs, toMs)` (by the chunks that cover
  /// it), and whether that is all of them; nil when none is stored.
  func lastCalls(fromMs: Int64, toMs: Int64, maxCalls: Int64) throws(StoreError) -> (
    start: Int64, last: Int64, complete: Bool
  )? {
    let range = try connection.prepare(
      "SELECT min(first_call), max(last_call) FROM chunks WHERE max_ts >= ? AND min_ts < ?")
    try range.bind([.int(fromMs), .int(toMs)])
    guard try range.step(), !range.isNull(0) else { return nil }
    let (first, last) = (range.int64(0), range.int64(1))
    let start = max(first, last - maxCalls + 1)
    return (start, last, start == first)
  }
}
