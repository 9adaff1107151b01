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

  /// `self - other`, held at `.max` (or `.min`) instead of trapping on overflow.
  @inline(__always) package func saturatingSubtracting(_ other: Int64) -> Int64 {
    let (difference, overflow) = subtractingReportingOverflow(other)
    return overflow ? (other < 0 ? .max : .min) : difference
  }

  /// `v` rounded toward zero, held at `.min` or `.max` beyond them, and 0 for NaN: where
  /// `Int64(v)` would trap. Metric values (a forecast of 292 million years, a burn rate over a
  /// budget of almost nothing, a threshold of `1e300`) are Doubles of any size.
  ///
  /// ```swift
  /// Int64(saturating: 9.3e18)  // Int64.max
  /// Int64(saturating: -.infinity)  // Int64.min
  /// ```
  @inline(__always) package init(saturating v: Double) {
    if v.isNaN {
      self = 0
    } else if v >= 0x1p63 {
      self = .max
    } else if v < -0x1p63 {
      self = .min
    } else {
      self = Int64(v)
    }
  }
}
