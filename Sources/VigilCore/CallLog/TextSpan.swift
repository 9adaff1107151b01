#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A run of text in a ``CallBatch``'s `text` buffer; an offset of -1 is a missing value.
package struct TextSpan: Sendable, BitwiseCopyable, Equatable {
  package var offset: Int32
  package var count: Int32

  package static let null = TextSpan(offset: -1, count: 0)

  package init(offset: Int32, count: Int32) {
    self.offset = offset
    self.count = count
  }

  package var isNull: Bool { offset < 0 }
}
