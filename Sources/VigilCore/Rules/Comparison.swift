/// How a value is compared with the threshold.
package enum Comparison: String, Sendable, CaseIterable {
  case greater = ">"
  case greaterOrEqual = ">="
  case less = "<"
  case lessOrEqual = "<="

  package func holds(_ value: Double, _ threshold: Double) -> Bool {
    switch self {
    case .greater: value > threshold
    case .greaterOrEqual: value >= threshold
    case .less: value < threshold
    case .lessOrEqual: value <= threshold
    }
  }
}
