import Foundation
package import VigilCore

/// OTLP traces and logs into call records: GenAI spans (OpenTelemetry's `gen_ai.*` semantic
/// conventions, OpenLLMetry's older names, OpenInference's LLM spans) are logical requests; the
/// HTTP client spans under one, when an instrumentation records them, are its attempts.
package enum GenAICalls {
  /// What an export request became: calls to store, and the spans or records refused, with why.
  package struct Mapped: Sendable {
    package var calls: [CallRecord] = []
    package var rejected: Int = 0
    /// Spans or records that are not LLM calls (a web request, a database query): not stored,
    /// not refused either.
    package var ignored: Int = 0
    package var firstError: String?
    /// Text fields whose bytes that are not UTF-8 were replaced by `?` (``WireShape``).
    package var repaired: Int = 0

    mutating func reject(_ why: String) {
      rejected += 1
      if firstError == nil { firstError = why }
    }
  }

  /// Whether a span (or log record) is an LLM call.
  static func isGenAI(_ a: Attributes) -> Bool {
    a["gen_ai.operation.name"] != nil || a.text("openinference.span.kind")?.uppercased() == "LLM"
      || a["llm.request.type"] != nil
  }

  /// A span's place in its trace: trace and span id, as sent (OTLP/JSON's hex ids arrive
  /// decoded as base64, which changes nothing for matching a parent to its children).
  struct SpanKey: Hashable {
    var trace: Data
    var span: Data
  }

  struct SpanEntry {
    var span: Vigil_Otlp_V1_Span
    var attributes: Attributes
    var key: SpanKey
    var parent: SpanKey?
    var scope: String
  }

  /// The calls in a traces export.
  package static func calls(_ request: Vigil_Otlp_V1_ExportTraceServiceRequest) -> Mapped {
    var out = Mapped()
    var entries: [SpanEntry] = []
    for rs in request.resourceSpans {
      for ss in rs.scopeSpans {
        for span in ss.spans {
          entries.append(
            SpanEntry(
              span: span, attributes: Attributes(span.attributes, resource: rs.resource.attributes),
              key: SpanKey(trace: span.traceID, span: span.spanID),
              parent: span.parentSpanID.isEmpty ? nil : SpanKey(trace: span.traceID, span: span.parentSpanID),
              scope: ss.scope.name))
        }
      }
    }
    let genAIIDs = Set(entries.filter { isGenAI($0.attributes) }.map(\.key))
    var requests: [SpanEntry] = []
    // HTTP client spans (and GenAI spans) under a GenAI span: its attempts, by parent.
    var attemptsOf: [SpanKey: [SpanEntry]] = [:]
    for e in entries {
      let hasStatus =
        e.attributes["http.response.status_code"] != nil || e.attributes["http.status_code"] != nil
      if let parent = e.parent, genAIIDs.contains(parent) {
        if hasStatus && (e.span.kind == .client || isGenAI(e.attributes)) {
          attemptsOf[parent, default: []].append(e)
        } else {
          out.ignored += 1
        }
      } else if isGenAI(e.attributes) {
        requests.append(e)
      } else {
        out.ignored += 1
      }
    }
    var found: [Found] = []
    for g in requests {
      guard let base = call(g.span, g.attributes, out: &out) else { continue }
      let attempts = (attemptsOf[g.key] ?? []).sorted {
        $0.span.startTimeUnixNano < $1.span.startTimeUnixNano
      }
      if attempts.isEmpty {
        let explicit =
          g.attributes["http.response.status_code"] != nil || g.attributes["http.status_code"] != nil
        found.append(Found(call: base, explicitStatus: explicit, scope: g.scope, span: g.span))
        continue
      }
      // The HTTP attempts carry the statuses and timings; the GenAI span says who and what.
      let failed = base.status == 0 || base.status >= 400
      for (i, attempt) in attempts.enumerated() {
        guard let (endMs, latency) = times(attempt.span, out: &out) else { continue }
        let last = i == attempts.count - 1
        var c = base
        c.timestampMs = endMs
        c.latencyMs = latency
        c.attempt = i + 1
        c.status = Int(
          clamping: attempt.attributes.integer("http.response.status_code", "http.status_code") ?? 0)
        c.retriesExhausted = failed && last
        c.promptTokens = last ? base.promptTokens : nil
        c.completionTokens = last ? base.completionTokens : nil
        if !last || c.status < 400 {
          c.errorType = nil
          c.errorCode = nil
        }
        headers(attempt.attributes, into: &c)
        found.append(Found(call: c, explicitStatus: true, scope: attempt.scope, span: attempt.span))
      }
    }
    out.calls = deduplicated(found)
    return out
  }

  /// A call as one span gave it, with what deduplication needs.
  struct Found {
    var call: CallRecord
    var explicitStatus: Bool
    var scope: String
    var span: Vigil_Otlp_V1_Span
  }

  /// One call seen by two instrumentations (an SDK's own spans beside OpenLLMetry's, each in a
  /// trace of its own) is one call: spans of different instrumentation scopes, for the same
  /// provider, model, app and env, whose times overlap and whose starts and ends are each within
  /// 500 ms (one wraps the other; under load the wrapper's own work takes a while), the closest
  /// such pair first. The one with an HTTP status attribute wins; the other fills in what it
  /// lacks (the provider's error code from the exception, tokens, ids). Calls of one
  /// instrumentation are never merged, however close; spans exported in different requests are
  /// not seen together.
  static func deduplicated(_ found: [Found]) -> [CallRecord] {
    // One instrumentation in the export (the usual case): nothing to merge.
    guard let first = found.first?.scope, found.contains(where: { $0.scope != first }) else {
      return found.map(\.call)
    }
    let order = found.indices.sorted { found[$0].span.startTimeUnixNano < found[$1].span.startTimeUnixNano }
    var merged: [Found] = []
    var open: [Int] = []  // indices into `merged` that a later span can still overlap
    let slack: UInt64 = 500_000_000
    // How far apart two times are, in UInt64: an exporter's times are any UInt64, whose sums and
    // differences neither UInt64 nor Int (`distance(to:)`) always hold.
    func apart(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : b - a }
    for i in order {
      let f = found[i]
      open.removeAll {
        f.span.startTimeUnixNano > slack && merged[$0].span.endTimeUnixNano < f.span.startTimeUnixNano - slack
      }
      func gap(_ j: Int) -> UInt64 {
        apart(f.span.startTimeUnixNano, merged[j].span.startTimeUnixNano)
          + apart(f.span.endTimeUnixNano, merged[j].span.endTimeUnixNano)
      }
      let match = open.filter { j in
        let m = merged[j]
        return m.scope != f.scope && same(m.call, f.call)
          && f.span.startTimeUnixNano < m.span.endTimeUnixNano
          && m.span.startTimeUnixNano < f.span.endTimeUnixNano
          && apart(f.span.startTimeUnixNano, m.span.startTimeUnixNano) <= slack
          && apart(f.span.endTimeUnixNano, m.span.endTimeUnixNano) <= slack
      }.min { gap($0) < gap($1) }
      guard let j = match else {
        merged.append(f)
        open.append(merged.count - 1)
        continue
      }
      var kept = merged[j]
      var other = f
      if f.explicitStatus && !kept.explicitStatus { swap(&kept, &other) }
      kept.call.errorType = kept.call.errorType ?? other.call.errorType
      kept.call.errorCode = kept.call.errorCode ?? other.call.errorCode
      kept.call.finishReason = kept.call.finishReason ?? other.call.finishReason
      kept.call.promptTokens = kept.call.promptTokens ?? other.call.promptTokens
      kept.call.completionTokens = kept.call.completionTokens ?? other.call.completionTokens
      kept.call.requestID = kept.call.requestID ?? other.call.requestID
      kept.call.rateLimitRemainingRequests =
        kept.call.rateLimitRemainingRequests ?? other.call.rateLimitRemainingRequests
      kept.call.rateLimitRemainingTokens =
        kept.call.rateLimitRemainingTokens ?? other.call.rateLimitRemainingTokens
      kept.call.retryAfterS = kept.call.retryAfterS ?? other.call.retryAfterS
      merged[j] = kept
      open.removeAll { $0 == j }
    }
    return merged.map(\.call)
  }

  static func same(_ a: CallRecord, _ b: CallRecord) -> Bool {
    a.provider == b.provider && a.model == b.model && a.app == b.app && a.env == b.env
      && a.attempt == b.attempt
  }

  /// A span's end (ms) and duration (ms), or why it cannot be a call.
  static func times(_ span: Vigil_Otlp_V1_Span, out: inout Mapped) -> (Int64, Double)? {
    let start = span.startTimeUnixNano
    let end = span.endTimeUnixNano
    guard end > 0, end >= start, end / 1_000_000 < 253_402_300_800_000 else {
      out.reject("span '\(span.name.prefix(100))': no valid end time")
      return nil
    }
    return (Int64(end / 1_000_000), Double(end - start) / 1_000_000)
  }

  /// One logical request from a GenAI span.
  static func call(_ span: Vigil_Otlp_V1_Span, _ a: Attributes, out: inout Mapped) -> CallRecord? {
    guard let (endMs, latency) = times(span, out: &out) else { return nil }
    var c = CallRecord(
      timestampMs: endMs, status: 200,
      provider: (a.text("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system") ?? "unknown")
        .lowercased(),
      model: a.text("gen_ai.request.model", "gen_ai.response.model", "llm.model_name", "llm.request.model")
        ?? "unknown",
      latencyMs: latency)
    let failed =
      span.status.code == .error || a["error.type"] != nil
      || span.events.contains { $0.name == "exception" }
    if let status = a.integer("http.response.status_code", "http.status_code") {
      c.status = Int(clamping: status)
    }
    if failed {
      let exception = span.events.first { $0.name == "exception" }.map { Attributes($0.attributes) }
      let recovered = ProviderError(
        exceptionClass: a.text("error.type") ?? exception?.text("exception.type"),
        message: exception?.text("exception.message")
          ?? (span.status.message.isEmpty ? nil : span.status.message))
      if c.status < 400, let recovered { c.status = recovered.status }
      if c.status < 400 && a["http.response.status_code"] == nil && recovered == nil { c.status = 0 }
      c.errorType = recovered?.errorType
      c.errorCode = recovered?.errorCode ?? a.text("gen_ai.error.code")
      // The SDK retried inside the span and gave up: the request failed for good.
      c.retriesExhausted = true
      if let type = StreamFields.errorType(
        exceptionClass: a.text("error.type") ?? exception?.text("exception.type"),
        message: exception?.text("exception.message")
          ?? (span.status.message.isEmpty ? nil : span.status.message),
        httpStatus: a.integer("http.response.status_code", "http.status_code"),
        streamed: StreamFields.streamed(a))
      {
        StreamFields.markFailed(&c, type: type)
      } else if let (outcome, type) = StreamFields.failure(
        errorType: a.text("error.type"),
        httpStatus: a.integer("http.response.status_code", "http.status_code"),
        streamed: StreamFields.streamed(a))
      {
        StreamFields.markFailed(&c, outcome: outcome, type: type)
      }
    }
    c.stream = c.stream ?? StreamFields.streamed(a)
    c.ttftMs = StreamFields.ttftMs(a)
    if c.ttftMs != nil && c.stream == nil { c.stream = true }
    c.promptTokens = a.integer(
      "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
      "llm.usage.prompt_tokens")
    c.completionTokens = a.integer(
      "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion",
      "llm.usage.completion_tokens")
    c.requestID = a.text("gen_ai.response.id")
    c.finishReason = finishReason(a)
    if !failed, let outcome = StreamFields.unfinished(a, finishReason: c.finishReason) {
      StreamFields.markFailed(&c, outcome: outcome, type: nil)
      if outcome == .errorEvent { c.finishReason = nil }
    }
    c.app = a.text("service.name")
    c.env = a.text("deployment.environment.name", "deployment.environment")
    c.endpoint = a.text("gen_ai.operation.name", "llm.request.type")
    headers(a, into: &c)
    return c.validated(out: &out)
  }

  /// The answer's finish reason: a content-filter one if any choice ended so (one filtered choice
  /// is a filtered answer), else the first. `gen_ai.response.finish_reasons` is a list;
  /// OpenLLMetry's Anthropic instrumentation and older attributes name one.
  static func finishReason(_ a: Attributes) -> String? {
    var reasons = a.texts("gen_ai.response.finish_reasons")
    // OpenLLMetry's Anthropic instrumentation writes one reason, under the singular name.
    if let one = a.text(
      "gen_ai.response.finish_reason", "gen_ai.completion.0.finish_reason", "llm.response.finish_reason")
    {
      reasons.append(one)
    }
    return reasons.first { StatusClass.isContentFilterFinish($0.utf8) } ?? reasons.first
  }

  /// Rate-limit headers an instrumentation captured (`http.response.header.NAME`).
  static func headers(_ a: Attributes, into c: inout CallRecord) {
    let h = "http.response.header."
    if let v = a.integer(h + "x-ratelimit-remaining-requests", h + "anthropic-ratelimit-requests-remaining") {
      c.rateLimitRemainingRequests = v
    }
    if let v = a.integer(h + "x-ratelimit-remaining-tokens", h + "anthropic-ratelimit-tokens-remaining") {
      c.rateLimitRemainingTokens = v
    }
    if let v = a.number(h + "retry-after"), v >= 0 { c.retryAfterS = v }
    c.rateLimitLimitRequests = a.integer(
      h + "x-ratelimit-limit-requests", h + "anthropic-ratelimit-requests-limit")
    c.rateLimitLimitTokens = a.integer(h + "x-ratelimit-limit-tokens", h + "anthropic-ratelimit-tokens-limit")
    let callMs = c.timestampMs
    let reset = { (names: [String]) in
      names.lazy.compactMap { a.text($0) }.first.flatMap { RateLimitReset.seconds($0.utf8, callMs: callMs) }
    }
    c.rateLimitResetRequestsS = reset([
      h + "x-ratelimit-reset-requests", h + "anthropic-ratelimit-requests-reset",
    ])
    c.rateLimitResetTokensS = reset([h + "x-ratelimit-reset-tokens", h + "anthropic-ratelimit-tokens-reset"])
  }

  /// The calls in a logs export: records that describe an LLM call (GenAI attributes with a
  /// status or an error); other records (prompts, completions, application logs) are not calls.
  package static func calls(_ request: Vigil_Otlp_V1_ExportLogsServiceRequest) -> Mapped {
    var out = Mapped()
    for rl in request.resourceLogs {
      for sl in rl.scopeLogs {
        for record in sl.logRecords {
          let a = Attributes(record.attributes, resource: rl.resource.attributes)
          let describesCall =
            isGenAI(a) && (a["http.response.status_code"] != nil || a["error.type"] != nil)
          guard describesCall else {
            out.ignored += 1
            continue
          }
          let nanos = record.timeUnixNano > 0 ? record.timeUnixNano : record.observedTimeUnixNano
          guard nanos > 0, nanos / 1_000_000 < 253_402_300_800_000 else {
            out.reject("log record: no valid time")
            continue
          }
          var c = CallRecord(
            timestampMs: Int64(nanos / 1_000_000),
            status: Int(clamping: a.integer("http.response.status_code") ?? 200),
            provider: (a.text("gen_ai.provider.name", "gen_ai.system") ?? "unknown").lowercased(),
            model: a.text("gen_ai.request.model", "gen_ai.response.model") ?? "unknown",
            latencyMs: a.number("gen_ai.client.operation.duration").map { $0 * 1000 })
          if let type = a.text("error.type") {
            let recovered = ProviderError(exceptionClass: type, message: a.text("exception.message"))
            if a["http.response.status_code"] == nil { c.status = recovered?.status ?? 0 }
            c.errorType = recovered?.errorType
            c.errorCode = recovered?.errorCode
            c.retriesExhausted = true
          }
          c.promptTokens = a.integer("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
          c.completionTokens = a.integer("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
          c.app = a.text("service.name")
          c.env = a.text("deployment.environment.name", "deployment.environment")
          c.endpoint = a.text("gen_ai.operation.name")
          c.finishReason = finishReason(a)
          if let valid = c.validated(out: &out) { out.calls.append(valid) }
        }
      }
    }
    return out
  }
}

extension CallRecord {
  /// The record, or `nil` (counted as rejected) when a value is one no real call can have: the
  /// bounds of the call-log contract, which JSON lines are held to.
  func validated(out: inout GenAICalls.Mapped) -> CallRecord? {
    if status < 0 || status > 999 {
      out.reject("status \(status) is not an HTTP status")
      return nil
    }
    for (name, v) in [("input tokens", promptTokens), ("output tokens", completionTokens)] {
      if let v, v < 0 || v > 1 << 40 {
        out.reject("\(name) \(v) out of range")
        return nil
      }
    }
    if let l = latencyMs, !(l >= 0 && l <= 7 * 86_400_000) {
      out.reject("latency out of range")
      return nil
    }
    for text in [provider, model, app ?? "", env ?? "", endpoint ?? ""] where text.utf8.count > 256 {
      out.reject("a label value longer than 256 bytes")
      return nil
    }
    return self
  }
}
