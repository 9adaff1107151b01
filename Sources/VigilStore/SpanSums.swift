import VigilCore

/// Sums per series id over spans of whole minutes or hours (``StoreMirror/TierSpan``), kept while
/// evaluations ask for them: the same span serves the four evaluations of a minute. A write into
/// a span's minutes or hours lets go of its sum; so does a round of reads that did not ask for it.
struct SpanSums<Value> {
  private var known: [StoreMirror.TierSpan: (sums: [Int64: Value], used: Bool)] = [:]

  /// The sums of `span`, if kept (and kept for the next round).
  mutating func sums(_ span: StoreMirror.TierSpan) -> [Int64: Value]? {
    guard let entry = known[span] else { return nil }
    known[span] = (entry.sums, true)
    return entry.sums
  }

  mutating func keep(_ sums: [Int64: Value], for span: StoreMirror.TierSpan) { known[span] = (sums, true) }

  /// The store changed rows from `bucketMs` on (`.min`: anything).
  mutating func invalidate(from bucketMs: Int64) {
    known = known.filter { span, _ in
      bucketMs != .min && (span.minute ? RequestTier.minute : .hour).start(of: bucketMs) >= span.to
    }
  }

  /// Lets go of the sums the last round did not ask for.
  mutating func evict() { known = known.filter { $0.value.used }.mapValues { ($0.sums, false) } }
}
