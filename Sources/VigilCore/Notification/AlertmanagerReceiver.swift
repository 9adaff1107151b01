/// An existing Alertmanager (one or more replicas of a cluster) that Vigil pushes its alerts to,
/// as Prometheus does, over API v2: `POST {url}/api/v2/alerts` with a JSON array of alerts. The
/// Alertmanager groups, routes, silences and notifies; Vigil re-sends what still fires so that it
/// does not expire there.
package struct AlertmanagerReceiver: Sendable, Equatable {
  /// Each replica's base URL (`http://am-0:9093`). Every replica gets every push: a cluster
  /// deduplicates its notifications, and one that is down must not lose alerts.
  package var urls: [SecretValue]
  /// How long one request may take.
  package var timeoutMs: Int64 = 10_000
  /// How often an unchanged alert is sent again (Prometheus's `--rules.alert.resend-delay`).
  package var resendDelayMs: Int64 = 60_000
  /// Extra request headers (an `Authorization` for an Alertmanager behind a proxy); values may be
  /// secrets.
  package var headers: [WebhookReceiver.Header] = []

  /// How long a resolved alert keeps being sent after it resolved, as Prometheus does: a replica
  /// that missed the first push still learns of it.
  package static let resolvedResendMs: Int64 = 15 * 60_000

  package init(urls: [SecretValue]) { self.urls = urls }

  /// A firing alert's `endsAt`: four resend periods (of the evaluation interval, if that is
  /// longer) ahead, so that an Alertmanager resolves it by itself if Vigil stops sending.
  package func endsAtMs(firingAtMs t: Int64, evaluationIntervalMs: Int64) -> Int64 {
    t + 4 * max(evaluationIntervalMs, resendDelayMs)
  }

  /// The outbox's group key of a replica's pushes (`replica 1`, `replica 2`, ...).
  package static func groupKey(replica i: Int) -> String { "replica \(i + 1)" }

  /// The replica a group key names; nil for another key.
  package static func replica(ofGroupKey key: String) -> Int? {
    guard key.hasPrefix("replica "), let n = Int(key.dropFirst(8)), n >= 1 else { return nil }
    return n - 1
  }

  /// Replica `i`'s push endpoint, as a webhook: its URL (resolved from the environment when it is
  /// a secret) with `/api/v2/alerts`.
  package func webhook(replica i: Int, environment: [String: String]) -> WebhookReceiver? {
    guard urls.indices.contains(i), let base = urls[i].resolve(environment) else { return nil }
    var w = WebhookReceiver(url: .literal(Self.endpoint(base)))
    w.timeoutMs = timeoutMs
    w.headers = headers
    return w
  }

  static func endpoint(_ base: String) -> String {
    var url = base
    while url.hasSuffix("/") { url.removeLast() }
    return url + "/api/v2/alerts"
  }
}
