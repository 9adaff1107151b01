#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What an error code or type says about its call, worked out once per distinct text of a batch.
///
/// Failed lines repeat a handful of codes (`rate_limit_error` on every 429 of a busy hour), and
/// each answer by String cost a string, four hashes and a substring search: 3% of an ingest's
/// CPU for the 4% of lines that failed. The answers are those of ``StatusClass/signal(of:)``,
/// ``StatusClass/authSignals`` and ``StatusClass/streamErrorClass(of:)`` for the same text
/// (decoded as ``CallLogReader`` decodes it), kept by its bytes; a slot holds one text, and a
/// text that finds its slot taken replaces what was there.
struct ErrorSignals: Sendable {
  /// The answers for one text.
  struct Answers: Sendable, Equatable {
    /// ``StatusClass/signal(of:)``.
    var signal: StatusClass?
    /// Whether it is one of ``StatusClass/authSignals``.
    var auth: Bool
    /// ``StatusClass/streamErrorClass(of:)``.
    var streamClass: StatusClass

    init(_ text: String) {
      signal = StatusClass.signal(of: text)
      auth = StatusClass.authSignals.contains(text)
      streamClass = StatusClass.streamErrorClass(of: text)
    }
  }

  struct Slot: Sendable {
    var text: [UInt8]
    var answers: Answers
  }

  /// Direct-mapped by hash: a few distinct texts a batch, so collisions are rare and only cost a
  /// lookup by String again. Made at a batch's first failed line (a datagram's may have none).
  var slots: [Slot?] = []

  /// The answers for `text`.
  mutating func answers(_ text: UnsafeRawBufferPointer) -> Answers {
    if slots.isEmpty { slots = [Slot?](repeating: nil, count: 32) }
    let k = Int(truncatingIfNeeded: Dimensions.hash(text)) & (slots.count - 1)
    if let slot = slots[k], slot.text.count == text.count,
      slot.text.withUnsafeBytes({
        text.count == 0 || memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0
      })
    {
      return slot.answers
    }
    let answers = Answers(String(decoding: text, as: UTF8.self))
    slots[k] = Slot(text: Array(text), answers: answers)
    return answers
  }
}
