import Synchronization
import VigilCore
import VigilIngest
import VigilStore

/// The JSON API's documents.
enum API {
  /// `/api/alerts`: the alerts pending or firing at the last evaluation.
  static func alerts(_ alerts: [AlertView], evaluatedAtMs: Int64?) -> JSONValue {
    let time = { (ms: Int64?) -> JSONValue in ms.map { .string(Timestamp.formatRFC3339($0)) } ?? .null }
    return [
      "evaluated_at": time(evaluatedAtMs),
      "alerts": .array(
        alerts.map { a in
          [
            "rule": .string(a.rule), "state": .string(a.phase.rawValue), "labels": .labels(a.labels),
            "value": a.value.map(JSONValue.number) ?? .null, "value_text": .string(a.valueText),
            "threshold": .number(a.threshold), "threshold_text": .string(a.thresholdText),
            "active_since": time(a.activeSinceMs), "fired_at": time(a.firedAtMs),
            "no_data_since": time(a.noDataSinceMs), "summary": .string(a.summary),
            "inhibited_by": a.inhibitedBy.map(JSONValue.string) ?? .null,
          ]
        }),
    ]
  }

  static func transitions(_ store: Store, sinceMs: Int64, limit: Int) throws -> JSONValue {
    let list = try store.transitions(fromMs: WallClock.nowMs() - sinceMs).suffix(limit)
    return [
      "transitions": .array(
        list.reversed().map { t in
          [
            "at": .string(Timestamp.formatRFC3339(t.atMs)), "rule": .string(t.rule), "kind": .string(t.kind),
            "labels": .labels(t.labels), "value": t.value.map(JSONValue.number) ?? .null,
            "threshold": .number(t.threshold), "summary": .string(t.summary),
          ]
        })
    ]
  }

  static func providers(_ store: Store, windowMs: Int64) throws -> JSONValue {
    let now = WallClock.nowMs()
    var byProvider: [String: Rollup] = [:]
    for (series, r) in try store.rollups(
      fromMs: RollupKey.bucket(of: now - windowMs), toMs: now + 1, latency: true)
    {
      byProvider[series.provider, default: Rollup()].merge(r)
    }
    let rate = { (a: Int64, b: Int64) -> JSONValue in b > 0 ? .number(Double(a) / Double(b)) : .null }
    return [
      "window": .string(DurationText.format(windowMs)),
      "providers": .array(
        byProvider.sorted { $0.key < $1.key }.map { name, r in
          [
            "provider": .string(name), "attempts": .number(Double(r.attempts)),
            "error_rate": rate(r.errors, r.attempts),
            "rate_429": rate(r.status429, r.attempts), "rate_5xx": rate(r.status5xx, r.attempts),
            "auth_failure_rate": rate(r.auth, r.attempts),
            "retry_exhaustion_rate": rate(r.exhausted, r.requests),
            "p99_latency_ms": r.latency.quantile(0.99).map(JSONValue.number) ?? .null,
          ]
        }),
    ]
  }

  /// Each source's calls in the window and the last one: a source that went quiet shows how long.
  static func sources(_ store: Store, windowMs: Int64) throws -> JSONValue {
    let now = WallClock.nowMs()
    let activity = SourceActivity.byFamily(try store.sourceActivity(fromMs: now - windowMs, toMs: now + 1))
    return [
      "window": .string(DurationText.format(windowMs)),
      "sources": .array(
        activity.values.sorted { $0.source < $1.source }.map { a in
          [
            "source": .string(a.source), "calls": .number(Double(a.calls)),
            "last_call": .string(Timestamp.formatRFC3339(a.lastCallMs)),
            "quiet_seconds": .number(Double(max(0, now - a.lastCallMs)) / 1000),
          ]
        }),
    ]
  }

  static func rejects(_ store: Store, limit: Int) throws -> JSONValue {
    [
      "rejects": .array(
        try store.rejects(limit: limit).map { r in
          [
            "at": .string(Timestamp.formatRFC3339(r.atMs)), "source": .string(r.source),
            "offset": .number(Double(r.offset)),
            "line_number": r.lineNumber.map { .number(Double($0)) } ?? .null,
            "kind": .string(r.kind), "reason": .string(r.reason), "line": .string(r.line),
          ]
        })
    ]
  }

  static func ingest(_ intake: IntakeState.Counts) -> JSONValue {
    var fields: [(String, JSONValue)] = intake.byDoor.sorted { $0.key < $1.key }.map { source, s in
      (source, ["stored": .number(Double(s.stored)), "rejected": .number(Double(s.rejected))])
    }
    if let u = intake.udp {
      fields.append(
        (
          "udp_socket",
          [
            "received": .number(Double(u.datagrams.load(ordering: .relaxed))),
            "dropped_by_kernel": .number(Double(u.kernelDrops.load(ordering: .relaxed))),
            "dropped_backlog_full": .number(Double(u.backlogDrops.load(ordering: .relaxed))),
            "truncated": .number(Double(u.truncated.load(ordering: .relaxed))),
            "backlog": .number(Double(u.backlog.load(ordering: .relaxed))),
          ]
        ))
    }
    return .object(fields)
  }
}
