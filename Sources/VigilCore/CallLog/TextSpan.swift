#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A run of text in a ``CallBatch``'s `text` buffer; an offset of -1 is a missing value.
public struct TextSpan: Sendable, BitwiseCopyable, Equatable {
  public var offset: Int32
  public var count: Int32

  public static let null = TextSpan(offset: -1, count: 0)

  public init(offset: Int32, count: Int32) {
    self.offset = offset
    self.count = count
  }

  public var isNull: Bool { offset < 0 }
}
