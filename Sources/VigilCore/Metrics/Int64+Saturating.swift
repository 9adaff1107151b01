extension Int64 {
  /// `self + other`, held at `.max` (or `.min`) instead of trapping on overflow.
  ///
  /// Counts and token sums come from input that nobody vouches for: a forged line must not be
  /// able to stop ingestion by making a sum overflow.
  @inline(__always) package func saturatingAdding(_ other: Int64) -> Int64 {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? (other > 0 ? .max : .min) : sum
  }

  /// Adds `other` in place, saturating (see ``saturatingAdding(_:)``).
  @inline(__always) package mutating func addSaturating(_ other: Int64) {
    self = saturatingAdding(other)
  }
}
