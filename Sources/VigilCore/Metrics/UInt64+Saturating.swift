extension UInt64 {
  /// Adds `other` in place, held at `.max` instead of trapping: histogram counts read from a
  /// store that nobody vouches for must not stop an evaluation by overflowing.
  @inline(__always) package mutating func addSaturating(_ other: UInt64) {
    let (sum, overflow) = addingReportingOverflow(other)
    self = overflow ? .max : sum
  }
}
