/// Single-cause incidents on one provider, as call logs: 70 minutes of healthy traffic to three
/// providers (callers retry up to 3 attempts), ten minutes of the incident, then healthy again.
/// The shipped alerts.yaml must turn each into exactly one firing and one resolved message per
/// receiver, whether `check` runs from cron or `serve` runs.
public enum IncidentScenario: String, CaseIterable, Sendable {
  /// openai answers most attempts with 429; half the requests give up after their third.
  case rateLimitStorm
  /// anthropic answers every attempt with 503: every request fails for good.
  case outage
  /// google answers a fifth of first attempts with 500; the retry succeeds.
  case serverErrors
  /// openai's account is out of credit: every call is a 429 `insufficient_quota`, not retried.
  case quota
  /// Every call streams; anthropic's overload comes as SSE `overloaded_error` events after the
  /// 200 on 40% of streams (issue 23), each after output, so not retried (the caller gives up).
  case streamOverload

  /// The provider the incident is on.
  public var provider: String {
    switch self {
    case .rateLimitStorm, .quota: "openai"
    case .outage, .streamOverload: "anthropic"
    case .serverErrors: "google"
    }
  }

  /// The alert that names the cause: it must be in the firing message.
  public var cause: String {
    switch self {
    case .rateLimitStorm: "HighRateLimitRate"
    case .outage: "ProviderAvailabilityPage"
    case .serverErrors: "ServerErrors"
    case .quota: "QuotaExhausted"
    case .streamOverload: "StreamFailures"
    }
  }

  /// The class of failure the firing message must name (in an alert's name or its summary).
  public var causeText: String {
    switch self {
    case .rateLimitStorm: "capacity"
    case .outage: "capacity"  // 503: overloaded
    case .serverErrors: "server"
    case .quota: "QuotaExhausted"
    case .streamOverload: "capacity"  // overloaded_error
    }
  }

  public static let incidentFromS = 70 * 60
  public static let incidentToS = 80 * 60
  /// Long enough after the incident for every alert of it to resolve (the SLO page's 30-minute
  /// window included).
  public static let durationS = 125 * 60

  /// The log, one JSON object per attempt, from `startS` (Unix seconds): two requests a second
  /// per provider.
  public func lines(startS: Int) -> String {
    var out = ""
    out.reserveCapacity(Self.durationS * 6 * 200)
    var id = 0
    for s in 0..<Self.durationS {
      for (p, provider) in ["openai", "anthropic", "google"].enumerated() {
        for k in 0..<2 {
          let ts = Double(startS + s) + Double(p * 2 + k) / 6
          let during = provider == self.provider && s >= Self.incidentFromS && s < Self.incidentToS
          id += 1
          for attempt in attempts(during: during, request: id) {
            out += #"{"ts":\#(ts + Double(attempt.n - 1) * 0.05),"provider":"\#(provider)","model":"m","#
            out += #""status":\#(attempt.status),"attempt":\#(attempt.n),"max_attempts":3,"#
            if attempt.exhausted { out += #""retries_exhausted":true,"# }
            if let code = attempt.code { out += #""error_code":"\#(code)","# }
            if self == .streamOverload {
              out += #""stream":true,"ttft_ms":600,"stream_outcome":"\#(attempt.outcome ?? "completed")","#
              if attempt.outcome != nil {
                out += #""stream_error_type":"overloaded_error","error_after_ms":1200,"#
              }
            }
            out += #""latency_ms":800,"request_id":"r\#(id)"}"# + "\n"
          }
        }
      }
    }
    return out
  }

  struct Attempt {
    var n: Int
    var status: Int
    var exhausted = false
    var code: String?
    /// How a failed stream ended (nil: completed, or not streamed).
    var outcome: String?
  }

  func attempts(during: Bool, request id: Int) -> [Attempt] {
    guard during else { return [Attempt(n: 1, status: 200)] }
    switch self {
    case .rateLimitStorm:
      let gaveUp = id % 2 == 0
      return [
        Attempt(n: 1, status: 429), Attempt(n: 2, status: 429),
        Attempt(n: 3, status: gaveUp ? 429 : 200, exhausted: gaveUp),
      ]
    case .outage:
      return [
        Attempt(n: 1, status: 503), Attempt(n: 2, status: 503), Attempt(n: 3, status: 503, exhausted: true),
      ]
    case .serverErrors:
      return id % 5 == 0
        ? [Attempt(n: 1, status: 500), Attempt(n: 2, status: 200)] : [Attempt(n: 1, status: 200)]
    case .quota:
      return [Attempt(n: 1, status: 429, code: "insufficient_quota")]
    case .streamOverload:
      return [Attempt(n: 1, status: 200, exhausted: id % 5 < 2, outcome: id % 5 < 2 ? "error_event" : nil)]
    }
  }

  /// The shipped alerts.yaml with a webhook receiver `hook` (URL from `HOOK_URL`) beside stdout,
  /// for every rule that goes to stdout.
  public static func rulesWithHook(_ shipped: String) -> String {
    var text = shipped
    text = text.split(separator: "  receivers: [stdout]", omittingEmptySubsequences: false)
      .joined(separator: "  receivers: [stdout, hook]")
    return text.split(separator: "\nreceivers:\n", omittingEmptySubsequences: false).joined(
      separator: "\nreceivers:\n  - {name: hook, type: webhook, url_env: HOOK_URL}\n")
  }
}
