/// Where following starts in a file that has no checkpoint and exists when following starts.
/// Files that appear later are always read from their beginning, as Vector's file source does.
package enum StartPosition: String, Sendable, CaseIterable, Equatable {
  case beginning, end
}
