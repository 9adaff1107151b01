#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One call as the ingest path carries it: plain numbers and spans of the batch's text, with no
/// strings, so that making, copying and freeing a million of them costs no allocation and no
/// reference counting. The series is the batch's rollup slot (`slot`), whose key holds the names.
public struct CallRow: Sendable, BitwiseCopyable {
  public var timestampMs: Int64 = 0
  public var latencyMs: Double = 0
  public var promptTokens: Int64 = 0
  public var completionTokens: Int64 = 0
  public var retryAfterS: Double = 0
  public var rateLimitRemainingRequests: Int64 = 0
  public var rateLimitRemainingTokens: Int64 = 0
  public var requestID = TextSpan.null
  public var errorType = TextSpan.null
  public var errorCode = TextSpan.null
  public var attempt: Int32 = 1
  /// 0 when the line does not say.
  public var maxAttempts: Int32 = 0
  /// The call's rollup in the batch: an index in `rollupKeys`.
  public var slot: Int32 = 0
  public var status: Int16 = 0
  /// The ``StatusClass/index`` of the call's class.
  public var statusClass: UInt8 = 0
  public var flags = Flags()

  /// Which optional fields are present, and whether retries were exhausted.
  public struct Flags: OptionSet, Sendable, BitwiseCopyable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let exhausted = Flags(rawValue: 1)
    public static let latency = Flags(rawValue: 2)
    public static let promptTokens = Flags(rawValue: 4)
    public static let completionTokens = Flags(rawValue: 8)
    public static let retryAfter = Flags(rawValue: 16)
    public static let rateLimitRequests = Flags(rawValue: 32)
    public static let rateLimitTokens = Flags(rawValue: 64)
    /// The line named these dimensions (an absent one and an empty one are the same series).
    public static let app = Flags(rawValue: 128)
    public static let env = Flags(rawValue: 256)
    public static let endpoint = Flags(rawValue: 512)
  }

  public init() {}

  /// Sets an optional field: its value, and its flag when there is one.
  @inline(__always) static func put<T>(_ value: T?, _ field: inout T, _ flag: Flags, _ flags: inout Flags) {
    guard let value else { return }
    field = value
    flags.insert(flag)
  }

  /// Whether the line carries any of the rare fields the store keeps as `detail`.
  @inline(__always) public var hasDetail: Bool {
    !errorType.isNull || !errorCode.isNull
      || !flags.isDisjoint(with: [.retryAfter, .rateLimitRequests, .rateLimitTokens])
  }
}
