#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One call as the ingest path carries it: plain numbers and spans of the batch's text, with no
/// strings, so that making, copying and freeing a million of them costs no allocation and no
/// reference counting. The series is the batch's rollup slot (`slot`), whose key holds the names.
package struct CallRow: Sendable, BitwiseCopyable {
  package var timestampMs: Int64 = 0
  package var latencyMs: Double = 0
  package var promptTokens: Int64 = 0
  package var completionTokens: Int64 = 0
  package var retryAfterS: Double = 0
  package var rateLimitRemainingRequests: Int64 = 0
  package var rateLimitRemainingTokens: Int64 = 0
  package var rateLimitLimitRequests: Int64 = 0
  package var rateLimitLimitTokens: Int64 = 0
  /// Seconds until the limit resets (from a duration, or an RFC 3339 time less the call's).
  package var rateLimitResetRequestsS: Double = 0
  package var rateLimitResetTokensS: Double = 0
  package var requestID = TextSpan.null
  package var errorType = TextSpan.null
  package var errorCode = TextSpan.null
  package var finishReason = TextSpan.null
  /// A streamed call's times (ms) and the tokens a failed stream delivered; each with its flag.
  package var ttftMs: Double = 0
  package var errorAfterMs: Double = 0
  package var maxChunkGapMs: Double = 0
  package var outputTokensPartial: Int64 = 0
  package var streamErrorType = TextSpan.null
  package var attempt: Int32 = 1
  /// 0 when the line does not say.
  package var maxAttempts: Int32 = 0
  /// The call's rollup in the batch: an index in `rollupKeys`.
  package var slot: Int32 = 0
  package var status: Int16 = 0
  /// The ``StatusClass/index`` of the call's class.
  package var statusClass: UInt8 = 0
  /// The ``StreamOutcome/code`` of how the stream ended; 0 when the line does not say.
  package var streamOutcome: UInt8 = 0
  package var flags = Flags()

  /// Which optional fields are present, and whether retries were exhausted.
  package struct Flags: OptionSet, Sendable, BitwiseCopyable {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }
    package static let exhausted = Flags(rawValue: 1)
    package static let latency = Flags(rawValue: 2)
    package static let promptTokens = Flags(rawValue: 4)
    package static let completionTokens = Flags(rawValue: 8)
    package static let retryAfter = Flags(rawValue: 16)
    package static let rateLimitRequests = Flags(rawValue: 32)
    package static let rateLimitTokens = Flags(rawValue: 64)
    /// The line named these dimensions (an absent one and an empty one are the same series).
    package static let app = Flags(rawValue: 128)
    package static let env = Flags(rawValue: 256)
    package static let endpoint = Flags(rawValue: 512)
    /// An authentication failure (401, 403, or a code such as Gemini's `API_KEY_INVALID`).
    package static let auth = Flags(rawValue: 1024)
    package static let limitRequests = Flags(rawValue: 2048)
    package static let limitTokens = Flags(rawValue: 4096)
    package static let resetRequests = Flags(rawValue: 8192)
    package static let resetTokens = Flags(rawValue: 16384)
    /// The line says `stream: true` (``streamSaid``: it says either).
    package static let stream = Flags(rawValue: 1 << 15)
    package static let streamSaid = Flags(rawValue: 1 << 16)
    package static let ttft = Flags(rawValue: 1 << 17)
    package static let errorAfter = Flags(rawValue: 1 << 18)
    package static let maxChunkGap = Flags(rawValue: 1 << 19)
    package static let outputTokensPartial = Flags(rawValue: 1 << 20)

    /// Bit tests of their own: the protocol's defaults, called from other modules, went through
    /// `SetAlgebra`'s witness table on every row (1.5% of an ingest's CPU).
    @inline(__always) package func contains(_ member: Flags) -> Bool {
      rawValue & member.rawValue == member.rawValue
    }
    @inline(__always) package func isDisjoint(with other: Flags) -> Bool { rawValue & other.rawValue == 0 }
  }

  package init() {}

  /// Sets an optional field: its value, and its flag when there is one.
  @inline(__always) static func put<T>(_ value: T?, _ field: inout T, _ flag: Flags, _ flags: inout Flags) {
    guard let value else { return }
    field = value
    flags.insert(flag)
  }

  /// Whether the line carries any of the rare fields the store keeps as `detail` (a failed
  /// stream's among them; the fields most streams carry have columns: ``StreamColumns``).
  @inline(__always) package var hasDetail: Bool {
    !errorType.isNull || !errorCode.isNull || !finishReason.isNull || !streamErrorType.isNull
      || !flags.isDisjoint(with: [
        .retryAfter, .rateLimitRequests, .rateLimitTokens, .limitRequests, .limitTokens, .resetRequests,
        .resetTokens, .errorAfter, .outputTokensPartial,
      ])
  }

  /// Whether the call was streamed: it says so, or it reports how its stream ended.
  @inline(__always) package var isStream: Bool { flags.contains(.stream) || streamOutcome != 0 }

  /// Whether the call's stream failed (an outcome other than `completed`).
  @inline(__always) package var isFailedStream: Bool { StreamOutcome.isFailure(code: streamOutcome) }
}
