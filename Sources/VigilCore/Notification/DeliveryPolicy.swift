/// Retries of failed deliveries: exponential backoff with full jitter and a cap.
package struct DeliveryPolicy: Sendable, Equatable {
  /// Attempts before a message becomes a dead letter.
  package var maxAttempts = 10
  package var initialBackoffMs: Int64 = 1000
  package var maxBackoffMs: Int64 = 300_000

  package init() {}

  /// The wait before the attempt after `attempts` failed ones: uniform in
  /// `[0, min(cap, initial * 2^(attempts-1))]` ("full jitter"), and never shorter than the
  /// receiver's `Retry-After`, which is honoured up to the cap (`max_backoff`).
  package func backoffMs(
    afterAttempts attempts: Int, retryAfterMs: Int64?, using random: inout some RandomNumberGenerator
  ) -> Int64 {
    let exponent = min(max(attempts - 1, 0), 40)
    let ceiling = min(maxBackoffMs, initialBackoffMs.multipliedReportingOverflow(by: 1 << exponent).0)
    let bound = max(ceiling, 0)
    let jittered = bound == 0 ? 0 : Int64.random(in: 0...bound, using: &random)
    guard let retryAfterMs else { return jittered }
    return max(jittered, min(max(retryAfterMs, 0), max(maxBackoffMs, 0)))
  }
}
