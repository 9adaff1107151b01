import Foundation
import Synchronization
import VigilCore
import VigilIngest
import VigilStore

/// `/metrics`: Prometheus text exposition of the stored calls (since this process started),
/// Vigil's own ingestion and delivery counters, the alert states, and the evaluation loop.
enum MetricsPage {
  static func render(state: ServerState, outbox: [OutboxEntry.State: Int64]) -> String {
    var p = PrometheusText()
    let startedMs = state.startedMs
    let intake = state.intake.snapshot
    let evaluation = state.evaluation.snapshot
    let rules = state.rules.snapshot
    let deliveries = state.delivery.snapshot
    do {
      let dims: (SeriesKey) -> [(String, String)] = {
        [
          ("provider", $0.provider), ("model", $0.model), ("app", $0.app), ("env", $0.env),
          ("endpoint", $0.endpoint),
        ]
      }
      let series = intake.metrics.series.sorted { $0.key < $1.key }
      p.family(
        "vigil_attempts_total", "counter",
        "Call attempts stored since start, by series, HTTP status code and status class (0: no response).")
      for (key, s) in series {
        for (code, n) in s.attempts.sorted(by: { $0.key < $1.key }) {
          p.sample(
            "vigil_attempts_total",
            dims(key) + [("code", String(code.status)), ("class", code.statusClass.rawValue)], Double(n))
        }
      }
      p.family(
        "vigil_requests_total", "counter", "Logical requests (attempts with attempt == 1) stored since start."
      )
      for (key, s) in series { p.sample("vigil_requests_total", dims(key), Double(s.requests)) }
      p.family(
        "vigil_retries_exhausted_total", "counter",
        "Attempts after which the caller gave up on a retryable failure (retries_exhausted).")
      for (key, s) in series { p.sample("vigil_retries_exhausted_total", dims(key), Double(s.exhausted)) }
      p.family(
        "vigil_unavailable_requests_total", "counter",
        "Logical requests whose last attempt failed on the provider's side (server, network, capacity): SLO bad events."
      )
      for (key, s) in series {
        p.sample("vigil_unavailable_requests_total", dims(key), Double(s.unavailable))
      }
      p.family(
        "vigil_cancelled_requests_total", "counter",
        "Attempts the caller cancelled (class cancelled): each ends its logical request outside an availability SLO."
      )
      for (key, s) in series {
        p.sample("vigil_cancelled_requests_total", dims(key), Double(s.count(of: .cancelled)))
      }
      p.family(
        "vigil_tokens_total", "counter", "Tokens reported by stored calls, by kind (prompt, completion).")
      for (key, s) in series {
        p.sample("vigil_tokens_total", dims(key) + [("kind", "prompt")], Double(s.promptTokens))
        p.sample("vigil_tokens_total", dims(key) + [("kind", "completion")], Double(s.completionTokens))
      }
      p.family("vigil_attempt_latency_seconds", "histogram", "Latency of call attempts that reported one.")
      for (key, s) in series {
        var cumulative: Int64 = 0
        for (i, bound) in CallMetrics.latencyBounds.enumerated() {
          cumulative += s.latencyBuckets[i]
          p.sample(
            "vigil_attempt_latency_seconds_bucket", dims(key) + [("le", PrometheusText.number(bound))],
            Double(cumulative))
        }
        p.sample("vigil_attempt_latency_seconds_bucket", dims(key) + [("le", "+Inf")], Double(s.latencyCount))
        p.sample("vigil_attempt_latency_seconds_sum", dims(key), s.latencySumSeconds)
        p.sample("vigil_attempt_latency_seconds_count", dims(key), Double(s.latencyCount))
      }
      streams(&p, series, dims)
      p.family(
        "vigil_last_call_timestamp_seconds", "gauge",
        "The time of the latest call stored since start, per series: a series that stops moving went quiet.")
      for (key, s) in series where s.lastCallMs > .min {
        p.sample("vigil_last_call_timestamp_seconds", dims(key), Double(s.lastCallMs) / 1000)
      }
      p.family(
        "vigil_source_last_call_timestamp_seconds", "gauge",
        "The time of the latest call stored since start, per source (a log file with its rotated copies, or udp:ADDR)."
      )
      for (name, seen) in intake.sources.sorted(by: { $0.key < $1.key }) {
        p.sample(
          "vigil_source_last_call_timestamp_seconds", [("source", name)], Double(seen.lastCallMs) / 1000)
      }
      p.family(
        "vigil_source_last_write_timestamp_seconds", "gauge",
        "When calls from the source were last stored (wall clock), per source.")
      for (name, seen) in intake.sources.sorted(by: { $0.key < $1.key }) {
        p.sample(
          "vigil_source_last_write_timestamp_seconds", [("source", name)], Double(seen.lastStoredMs) / 1000)
      }
      p.family(
        "vigil_ingest_records_total", "counter",
        "Lines ingested since start, by source (file, udp) and outcome (stored, rejected).")
      for (source, s) in intake.byDoor.sorted(by: { $0.key < $1.key }) {
        p.sample("vigil_ingest_records_total", [("source", source), ("outcome", "stored")], Double(s.stored))
        p.sample(
          "vigil_ingest_records_total", [("source", source), ("outcome", "rejected")], Double(s.rejected))
      }
      p.family(
        "vigil_intake_requests_total", "counter",
        "Requests to the HTTP intake endpoints (otlp_traces, otlp_logs, litellm) by status: 200 stored, 4xx refused, 503 behind."
      )
      for (endpoint, byCode) in intake.httpAnswers.sorted(by: { $0.key < $1.key }) {
        for (code, n) in byCode.sorted(by: { $0.key < $1.key }) {
          p.sample(
            "vigil_intake_requests_total", [("endpoint", endpoint), ("code", String(code))], Double(n))
        }
      }
      p.family(
        "vigil_config_last_reload_successful", "gauge",
        "Whether the last configuration reload (SIGHUP, POST /-/reload) succeeded: 0 while a refused one's errors wait to be fixed."
      )
      p.sample("vigil_config_last_reload_successful", [], rules.lastReloadSucceeded ? 1 : 0)
      p.family(
        "vigil_config_last_reload_success_timestamp_seconds", "gauge",
        "When the configuration in effect was loaded (the start, or the last successful reload).")
      p.sample(
        "vigil_config_last_reload_success_timestamp_seconds", [], Double(rules.lastReloadSuccessMs) / 1000)
      p.family("vigil_config_reloads_total", "counter", "Configuration reloads since start, by result.")
      for (ok, result) in [(true, "success"), (false, "failure")] {
        p.sample("vigil_config_reloads_total", [("result", result)], Double(rules.reloads[ok] ?? 0))
      }
      p.family("vigil_rules", "gauge", "Alert rules in effect (SLOs count as their page and ticket rules).")
      p.sample("vigil_rules", [], Double(rules.rules.rules.count))
      p.family(
        "vigil_ingest_write_failures_total", "counter",
        "Writes of ingested lines that failed (database locked or disk full) and are being retried, by source."
      )
      for source in ["file", "udp", "otlp", "litellm"] {
        p.sample(
          "vigil_ingest_write_failures_total", [("source", source)], Double(intake.writeFailures[source] ?? 0)
        )
      }
      p.family(
        "vigil_ingest_held_lines", "gauge",
        "Lines received and held, unstored, until a failed write succeeds (no checkpoint moves past them)."
      )
      for source in ["file", "udp", "otlp", "litellm"] {
        p.sample(
          "vigil_ingest_held_lines", [("source", source)], Double(intake.heldLines[source] ?? 0))
      }
      p.family(
        "vigil_intake_spool_entries", "gauge",
        "Requests over HTTP (OTLP, LiteLLM) acknowledged and waiting in the intake spool to be stored.")
      p.sample("vigil_intake_spool_entries", [], Double(intake.spoolEntries))
      if let udp = intake.udp {
        p.family("vigil_udp_datagrams_received_total", "counter", "Datagrams taken from the UDP socket.")
        p.sample("vigil_udp_datagrams_received_total", [], Double(udp.datagrams.load(ordering: .relaxed)))
        p.family("vigil_udp_received_bytes_total", "counter", "Bytes of datagrams taken from the UDP socket.")
        p.sample("vigil_udp_received_bytes_total", [], Double(udp.bytes.load(ordering: .relaxed)))
        p.family(
          "vigil_udp_datagrams_dropped_total", "counter",
          "Datagrams lost: by the kernel (receive buffer full) or by Vigil (backlog full).")
        p.sample(
          "vigil_udp_datagrams_dropped_total", [("reason", "receive_buffer")],
          Double(udp.kernelDrops.load(ordering: .relaxed)))
        p.sample(
          "vigil_udp_datagrams_dropped_total", [("reason", "backlog")],
          Double(udp.backlogDrops.load(ordering: .relaxed)))
        p.family(
          "vigil_udp_datagrams_truncated_total", "counter",
          "Datagrams too large for the socket (kept as rejects).")
        p.sample("vigil_udp_datagrams_truncated_total", [], Double(udp.truncated.load(ordering: .relaxed)))
        p.family("vigil_udp_backlog_datagrams", "gauge", "Datagrams received and not yet committed.")
        p.sample("vigil_udp_backlog_datagrams", [], Double(udp.backlog.load(ordering: .relaxed)))
      }
      p.family(
        "vigil_notifications_total", "counter",
        "Delivery attempts since start, by receiver and outcome (delivered, retry, dead).")
      for (receiver, outcomes) in deliveries.sorted(by: { $0.key < $1.key }) {
        for (outcome, n) in outcomes.sorted(by: { $0.key < $1.key }) {
          p.sample("vigil_notifications_total", [("receiver", receiver), ("outcome", outcome)], Double(n))
        }
      }
      remoteWrite(&p, state.remoteWrite.snapshot)
      p.family("vigil_outbox_messages", "gauge", "Messages in the outbox, by state.")
      for s in OutboxEntry.State.allCases {
        p.sample("vigil_outbox_messages", [("state", s.rawValue)], Double(outbox[s] ?? 0))
      }
      p.family(
        "vigil_alert", "gauge", "Alerts pending or firing (1), with their labels; as Prometheus's ALERTS.")
      for g in (evaluation.evaluation?.groups ?? []).sorted(by: { $0.key < $1.key })
      where g.phase != .inactive {
        var labels = g.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        labels.append(("alertstate", g.phase.rawValue))
        p.sample("vigil_alert", labels, 1)
      }
      p.family(
        "vigil_alert_no_data", "gauge",
        "Alerts kept as they were because their window has no data (no_data: keep), with their labels.")
      for g in (evaluation.evaluation?.groups ?? []).sorted(by: { $0.key < $1.key })
      where g.noDataSinceMs != nil {
        p.sample("vigil_alert_no_data", g.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, 1)
      }
      p.family(
        "vigil_alert_value", "gauge",
        "The last value of each rule's metric per group (rates as fractions, latency in ms).")
      for g in (evaluation.evaluation?.groups ?? []).sorted(by: { $0.key < $1.key }) {
        guard let v = g.value else { continue }
        p.sample("vigil_alert_value", g.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, v)
      }
      p.family("vigil_evaluations_total", "counter", "Evaluations of the rules since start.")
      p.sample("vigil_evaluations_total", [], Double(evaluation.count))
      p.family("vigil_evaluation_duration_seconds", "gauge", "How long the last evaluation took.")
      p.sample("vigil_evaluation_duration_seconds", [], evaluation.seconds)
      p.family(
        "vigil_evaluation_lag_seconds", "gauge",
        "How late evaluations started after they were due: the last, and the worst since start.")
      p.sample("vigil_evaluation_lag_seconds", [("which", "last")], Double(evaluation.lagMs) / 1000)
      p.sample("vigil_evaluation_lag_seconds", [("which", "max")], Double(evaluation.maxLagMs) / 1000)
      p.family("vigil_last_evaluation_timestamp_seconds", "gauge", "When the rules were last evaluated.")
      p.sample("vigil_last_evaluation_timestamp_seconds", [], Double(evaluation.atMs ?? 0) / 1000)
      p.family("vigil_start_time_seconds", "gauge", "When this process started.")
      p.sample("vigil_start_time_seconds", [], Double(startedMs) / 1000)
      p.family("vigil_build_info", "gauge", "The running Vigil's version.")
      p.sample("vigil_build_info", [("version", VigilInfo.version)], 1)
    }
    return p.text
  }
}
