package import VigilCore

/// An alert and a notification as receivers get them, for the tests of rendering and delivery.
package enum AlertFixtures {
  package static let t0: Int64 = 1_795_600_800_000  // 2026-11-25T10:00:00Z

  package static func alert(
    _ name: String, provider: String = "openai", model: String = "gpt-4o", severity: String = "critical",
    resolved: Bool = false, summary: String? = nil
  ) -> NotifiedAlert {
    NotifiedAlert(
      labels: ["alertname": name, "provider": provider, "model": model, "severity": severity],
      annotations: [
        "summary": summary ?? "\(provider): error rate 12.50% over 2m",
        "description": "Check the status page.",
        "value": "12.50%", "threshold": "5.00%",
      ],
      status: resolved ? .resolved : .firing, startsAtMs: t0, endsAtMs: resolved ? t0 + 600_000 : nil,
      metric: "error_rate", value: 0.125, threshold: 0.05)
  }

  package static func notification(_ alerts: [NotifiedAlert], receiver: String = "hook") -> AlertNotification
  {
    AlertNotification(
      receiver: receiver, groupLabels: ["alertname": alerts[0].name, "provider": "openai"], alerts: alerts,
      atMs: t0 + 30_000)
  }
}
