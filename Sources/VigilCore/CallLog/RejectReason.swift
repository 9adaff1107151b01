#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a line was not turned into a ``CallRecord``.
package struct RejectReason: Error, Sendable, Equatable, CustomStringConvertible {
  package enum Kind: String, Sendable {
    /// Not JSON at all, or broken JSON.
    case syntax
    /// Valid JSON, but not an object.
    case notObject
    /// A required field is absent (or null).
    case missingField
    /// A known field holds a value of the wrong type or out of range.
    case badValue
    /// The line exceeds the configured length limit.
    case tooLong
    /// A line without its newline where none can follow (end of stdin, or a datagram cut short).
    case truncated
  }
  package var kind: Kind
  /// One line of explanation, e.g. `invalid JSON at column 17: expected ':'`.
  package var message: String

  package init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  package var description: String { message }
}
