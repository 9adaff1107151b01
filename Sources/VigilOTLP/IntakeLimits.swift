import Synchronization

/// What one HTTP intake request (an OTLP export, a LiteLLM post) may hold, and how its cost in
/// memory is estimated before it is decoded: a small gzip body can inflate to millions of empty
/// attributes, each a decoded value of ~100 bytes, so bytes alone do not bound what decoding
/// costs. A request beyond a bound is refused whole with a 413 that names the bound.
package struct IntakeLimits: Sendable, Equatable {
  /// The body as sent (OTLP exporters batch far below this).
  package var maxBodyBytes = 20 << 20
  /// The body once inflated: a gzip bomb stops here.
  package var maxInflatedBytes = 32 << 20
  /// Spans, log records or LiteLLM payloads in one request (an SDK's batch is 512).
  package var maxItems = 50_000
  /// Attributes of one span or log record, values inside lists and maps included (OpenTelemetry
  /// SDKs keep 128 by default).
  package var maxAttributesPerItem = 4_096
  /// Attributes in the whole request: of spans, events, resources, scopes, lists and maps.
  package var maxAttributes = 500_000
  /// Values (objects, arrays, strings, numbers) in a JSON body.
  package var maxJSONValues = 1_000_000
  /// How deep messages or JSON values nest.
  package var maxDepth = 64

  /// Estimated bytes one decoded protobuf message (an attribute, its value, a span) takes.
  package static let bytesPerMessage = 160
  /// Estimated bytes one decoded JSON value takes (OTLP/JSON's messages, LiteLLM's objects).
  package static let bytesPerJSONValue = 192

  package init() {}
}

/// The memory all intake requests together may hold at once (bodies as received, inflated, and
/// the estimated cost of decoding them), so that serve's peak stays bounded whatever arrives
/// and however many requests arrive together. A request takes its share as its body arrives and
/// as it is inflated and decoded, and gives it back when answered; when the budget is spent a
/// request is answered 503 with `Retry-After` (exporters retry), and one that alone would need
/// more than the whole budget is a 413.
package final class IntakeBudget: Sendable {
  package let capacity: Int
  let used = Atomic<Int>(0)

  /// The default: 512 MiB, which a request at every bound of ``IntakeLimits`` fits.
  package static let defaultCapacity = 512 << 20

  package init(capacity: Int = IntakeBudget.defaultCapacity) {
    self.capacity = capacity
  }

  /// Bytes held by requests now.
  package var inUse: Int { used.load(ordering: .relaxed) }

  /// Takes `bytes` if they fit; false if not.
  func take(_ bytes: Int) -> Bool {
    var current = used.load(ordering: .relaxed)
    while true {
      guard current + bytes <= capacity else { return false }
      let (exchanged, now) = used.compareExchange(
        expected: current, desired: current + bytes, ordering: .relaxed)
      if exchanged { return true }
      current = now
    }
  }

  func give(_ bytes: Int) {
    used.subtract(bytes, ordering: .relaxed)
  }
}

/// One request's share of the ``IntakeBudget``: grows as the request is read and decoded, and
/// is given back whole by ``release()`` (which the request's handler defers).
package final class IntakeReservation: @unchecked Sendable {
  // Used by one request's task only: no lock needed.
  let budget: IntakeBudget
  package private(set) var held = 0

  package init(_ budget: IntakeBudget) {
    self.budget = budget
  }

  /// Takes `bytes` more for `what` (said in the error): a 413 when the request alone would need
  /// more than the budget, a 503 when other requests hold the rest.
  package func add(_ bytes: Int, for what: String) throws(PayloadError) {
    guard bytes > 0 else { return }
    guard held + bytes <= budget.capacity else {
      throw PayloadError(
        413,
        "the request would take \((held + bytes) >> 20) MiB to \(what), more than intake's \(budget.capacity >> 20) MiB"
      )
    }
    guard budget.take(bytes) else {
      throw PayloadError(
        503, "intake is behind: \(budget.capacity >> 20) MiB of requests are being decoded; retry shortly")
    }
    held += bytes
  }

  /// Grows `bytes` to hold `count` bytes (doubling), its new buffer taken from the budget before
  /// it is allocated, while the old one is still held (growing copies the one into the other),
  /// and the old one (`reserved`, what this function took for it) given back after.
  package func grow(_ bytes: inout [UInt8], toHold count: Int, reserved: inout Int, for what: String)
    throws(PayloadError)
  {
    guard count > bytes.capacity else { return }
    let new = max(count, 2 * bytes.capacity)
    try add(new, for: what)
    bytes.reserveCapacity(new)
    budget.give(reserved)
    held -= reserved
    reserved = new
  }

  package func release() {
    budget.give(held)
    held = 0
  }
}
