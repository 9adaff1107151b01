import Foundation
import VigilCore

/// Calls to one model under a 600-requests-per-minute limit, with the headers OpenAI sends
/// (`ratelimit_remaining_requests` = the limit less the requests of the last minute, the limit,
/// and the time until the oldest of them leaves the minute): 30 minutes at 5 requests a second
/// (half the limit), then, in a `storm`, traffic that climbs to 12 a second over 10 minutes, so
/// that the remaining count falls and calls start getting 429 some 7 minutes in. Deterministic.
public enum HeadroomScenario {
  public static let limit = 600
  public static let startS = 1_795_600_800
  public static let stormFromS = 1800

  /// The lines, and the time (ms) of the first 429 (nil when there is none).
  public static func lines(storm: Bool, durationS: Int = 2700) -> (text: String, first429Ms: Int64?) {
    var random = SeededRandom(seed: storm ? 16 : 61)
    // The minute before the log starts is simulated too, so that it opens in the steady state.
    var t = -120.0
    var window: [Double] = []
    var head = 0
    var out = ""
    var first429: Int64?
    while t < Double(durationS) {
      let rate = storm && t >= Double(stormFromS) ? 5 + 7 * min(1, (t - Double(stormFromS)) / 600) : 5
      let u = Double(random.next() % 1_000_000 + 1) / 1_000_001
      t += -log(u) / rate
      while head < window.count && window[head] <= t - 60 { head += 1 }
      let used = window.count - head
      let ms = Int64(startS) * 1000 + Int64(t * 1000)
      let ts = Timestamp.formatRFC3339(ms)
      if t < 0 {
        window.append(t)
      } else if used < limit {
        window.append(t)
        let remaining = limit - used - 1
        let reset = max(0, window[head] + 60 - t)
        out +=
          #"{"ts":"\#(ts)","status":200,"provider":"openai","model":"gpt-4o-mini","latency_ms":700,"ratelimit_remaining_requests":\#(remaining),"ratelimit_limit_requests":\#(limit),"ratelimit_reset_requests":"\#(formatFixed(reset, digits: 3))s"}"#
          + "\n"
      } else {
        first429 = first429 ?? ms
        out +=
          #"{"ts":"\#(ts)","status":429,"provider":"openai","model":"gpt-4o-mini","latency_ms":120,"error_code":"rate_limit_exceeded","ratelimit_remaining_requests":0,"ratelimit_limit_requests":\#(limit),"ratelimit_reset_requests":"\#(formatFixed(window[head] + 60 - t, digits: 3))s","retry_after_s":1}"#
          + "\n"
      }
    }
    return (out, first429)
  }
}
