import VigilCore

/// Remote write on `/metrics`: samples by result and how far behind each receiver is.
extension MetricsPage {
  static func remoteWrite(_ p: inout PrometheusText, _ receivers: [RemoteWriteState.Receiver]) {
    guard !receivers.isEmpty else { return }
    p.family(
      "vigil_remote_write_samples_total", "counter",
      "Samples pushed by remote write since start, by receiver and result (sent, retried, dropped, too_old, skipped)."
    )
    for r in receivers {
      for result in ["sent", "retried", "dropped", "too_old", "skipped"] {
        p.sample(
          "vigil_remote_write_samples_total", [("receiver", r.name), ("result", result)],
          Double(r.samples[result] ?? 0))
      }
    }
    p.family(
      "vigil_remote_write_lag_seconds", "gauge",
      "How far the last sample a receiver acknowledged is behind the newest due, per receiver.")
    for r in receivers {
      p.sample("vigil_remote_write_lag_seconds", [("receiver", r.name)], Double(r.lagMs) / 1000)
    }
  }
}

extension API {
  /// `/api/remote_write`: each receiver's state, progress and counts.
  static func remoteWrite(_ receivers: [RemoteWriteState.Receiver]) -> JSONValue {
    let time: (Int64?) -> JSONValue = { $0.map { .string(Timestamp.formatRFC3339($0)) } ?? .null }
    return [
      "receivers": .array(
        receivers.map { r in
          [
            "name": .string(r.name), "url": .string(r.url), "state": .string(r.state),
            "acknowledged_until": time(r.ackedMs), "lag_seconds": .number(Double(r.lagMs) / 1000),
            "last_success": time(r.lastSuccessMs), "next_attempt": time(r.nextAttemptMs),
            "failures_in_row": .number(Double(r.failuresInRow)),
            "last_error": r.lastError.map { .string($0) } ?? .null,
            "samples": .object(
              ["sent", "retried", "dropped", "too_old", "skipped"].map {
                ($0, .number(Double(r.samples[$0] ?? 0)))
              }),
          ]
        })
    ]
  }
}
