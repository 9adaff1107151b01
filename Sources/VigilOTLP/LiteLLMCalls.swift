import Foundation
import VigilCore

/// LiteLLM's per-request log (`StandardLoggingPayload`, posted by its `generic_api` callback)
/// into call records: one logical request each (the proxy retries inside it).
package enum LiteLLMCalls {
  /// The calls in a body: a JSON array of payloads, one payload, or NDJSON. `app` is the app of
  /// a payload with no team or key alias (the endpoint's `?app=`); else its model group.
  package static func calls(_ body: [UInt8], app: String? = nil) throws(PayloadError) -> GenAICalls.Mapped {
    var out = GenAICalls.Mapped()
    var items: [Any] = []
    let data = Data(body)
    if let whole = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
      items = (whole as? [Any]) ?? [whole]
    } else {
      var sawLine = false
      for line in body.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
        sawLine = true
        guard let item = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
        else {
          out.reject("a line is not JSON")
          continue
        }
        items.append(item)
      }
      if !sawLine { throw PayloadError(400, "an empty body: send a JSON array, an object or NDJSON") }
    }
    for item in items {
      guard let payload = item as? [String: Any] else {
        out.reject("an item is not a JSON object")
        continue
      }
      if let call = call(payload, app: app, out: &out) { out.calls.append(call) }
    }
    return out
  }

  static func string(_ v: Any?) -> String? {
    switch v {
    case let s as String: s.isEmpty ? nil : s
    case let n as NSNumber: n.stringValue
    default: nil
    }
  }

  static func number(_ v: Any?) -> Double? {
    switch v {
    case let n as NSNumber: n.doubleValue.isFinite ? n.doubleValue : nil
    case let s as String: Double(s).flatMap { $0.isFinite ? $0 : nil }
    default: nil
    }
  }

  /// A JSON boolean (JSONSerialization reads one as an NSNumber).
  static func flag(_ v: Any?) -> Bool? {
    (v as? Bool) ?? (v as? NSNumber).map(\.boolValue)
  }

  static func integer(_ v: Any?) -> Int64? {
    guard let d = number(v), d == d.rounded(), abs(d) < 9e18 else { return nil }
    return Int64(d)
  }

  /// One payload; `nil` (counted) when it has no usable end time.
  static func call(_ p: [String: Any], app: String? = nil, out: inout GenAICalls.Mapped) -> CallRecord? {
    guard let end = number(p["endTime"]), end > 0, end < 253_402_300_800 else {
      out.reject("a payload without endTime (epoch seconds)")
      return nil
    }
    let start = number(p["startTime"]) ?? end
    let error = p["error_information"] as? [String: Any] ?? [:]
    let metadata = p["metadata"] as? [String: Any] ?? [:]
    var c = CallRecord(
      timestampMs: Int64(end * 1000), status: 200,
      provider: (string(p["custom_llm_provider"]) ?? string(error["llm_provider"]) ?? "unknown").lowercased(),
      model: string(p["model_group"]) ?? string(p["model"]) ?? "unknown",
      latencyMs: end >= start ? (end - start) * 1000 : nil)
    // LiteLLM writes `stream: null` on a failure row; the request's parameters still say it.
    let streamed = flag(p["stream"]) ?? flag((p["model_parameters"] as? [String: Any])?["stream"])
    if string(p["status"]) == "failure" {
      // error_code is the HTTP status as text for some errors and the provider's code for others
      // ("server_error" for a 500): the class, or the message's "Error code: NNN", says the rest.
      let code = string(error["error_code"])
      let codeStatus = code.flatMap { Int($0) }.flatMap { (100...599).contains($0) ? $0 : nil }
      let recovered = ProviderError(
        exceptionClass: string(error["error_class"]) ?? "LiteLLMError",
        message: string(error["error_message"]) ?? string(p["error_str"]))
      c.status = codeStatus ?? recovered?.status ?? 0
      c.errorCode = codeStatus == nil ? code : recovered?.errorCode
      c.errorType = recovered?.errorType
      c.retriesExhausted = true
      // A streamed request that failed after its 200: the error came inside the stream. A cut or
      // a stall (APIConnectionError, APITimeoutError) is one only after a first chunk arrived.
      if streamed == true,
        let type = StreamFields.errorType(
          exceptionClass: string(error["error_class"]),
          message: string(error["error_message"]) ?? string(p["error_str"]),
          httpStatus: codeStatus.map(Int64.init), streamed: true)
      {
        StreamFields.markFailed(&c, type: type)
      } else if streamed == true, codeStatus == nil, let first = number(p["completionStartTime"]),
        first > start,
        first < end,
        let (outcome, type) = StreamFields.failure(
          errorType: string(error["error_class"]), httpStatus: 200, streamed: true)
      {
        StreamFields.markFailed(&c, outcome: outcome, type: type)
      }
    }
    // LiteLLM's `stream` and the first chunk's time (completionStartTime, epoch seconds).
    if let streamed { c.stream = streamed }
    if c.stream == true, let first = number(p["completionStartTime"]), first > start, first <= end {
      c.ttftMs = (first - start) * 1000
    }
    c.promptTokens = integer(p["prompt_tokens"])
    c.completionTokens = integer(p["completion_tokens"])
    c.requestID = string(p["trace_id"]) ?? string(p["id"])
    // A proxy without teams or keys still says which app: the configured default, else the model
    // group (the proxy's name for what was asked).
    c.app =
      string(metadata["user_api_key_team_alias"]) ?? string(metadata["user_api_key_alias"]) ?? app
      ?? string(p["model_group"])
    c.endpoint = string(p["call_type"])
    // The response's first choice that ended filtered, else its first choice's reason.
    let reasons = ((p["response"] as? [String: Any])?["choices"] as? [[String: Any]] ?? []).compactMap {
      string($0["finish_reason"])
    }
    c.finishReason = reasons.first { StatusClass.isContentFilterFinish($0.utf8) } ?? reasons.first
    if let hidden = p["hidden_params"] as? [String: Any],
      let headers = hidden["additional_headers"] as? [String: Any]
    {
      func header(_ names: String...) -> Any? {
        for n in names { if let v = headers[n] { return v } }
        return nil
      }
      c.rateLimitRemainingRequests = integer(
        header("x_ratelimit_remaining_requests", "x-ratelimit-remaining-requests"))
      c.rateLimitRemainingTokens = integer(
        header("x_ratelimit_remaining_tokens", "x-ratelimit-remaining-tokens"))
      c.rateLimitLimitRequests = integer(header("x_ratelimit_limit_requests", "x-ratelimit-limit-requests"))
      c.rateLimitLimitTokens = integer(header("x_ratelimit_limit_tokens", "x-ratelimit-limit-tokens"))
      let reset = { (v: Any?) -> Double? in
        if let n = number(v), n >= 0, n <= RateLimitReset.maxSeconds { return n }
        return string(v).flatMap { RateLimitReset.seconds($0.utf8, callMs: c.timestampMs) }
      }
      c.rateLimitResetRequestsS = reset(header("x_ratelimit_reset_requests", "x-ratelimit-reset-requests"))
      c.rateLimitResetTokensS = reset(header("x_ratelimit_reset_tokens", "x-ratelimit-reset-tokens"))
      if let r = number(header("retry_after", "retry-after", "llm_provider-retry-after")), r >= 0 {
        c.retryAfterS = r
      }
    }
    return c.validated(out: &out)
  }
}
