package import VigilCore

/// One `remote_write:` entry of vigil.yaml: a Prometheus remote-write 1.0 receiver that serve
/// pushes its call metrics to (Prometheus, VictoriaMetrics, Mimir, Thanos receive, ...). Secrets
/// are names of environment variables, read at start and never logged.
package struct RemoteWriteTarget: Sendable, Equatable {
  /// Names the receiver in metrics, the API and the log; the URL's host and port by default.
  package var name: String
  /// Where `WriteRequest`s are posted (e.g. `http://prometheus:9090/api/v1/write`).
  package var url: String
  /// `Authorization: Bearer` with this variable's value.
  package var bearerTokenEnv: String?
  /// `Authorization: Basic` with this user and the password in this variable.
  package var basicAuthUsername: String?
  package var basicAuthPasswordEnv: String?
  /// Extra headers, given or from the environment (`header_env`), as a webhook's; the protocol's
  /// own headers cannot be replaced.
  package var headers: [WebhookReceiver.Header] = []
  /// PEM file of the CAs to trust for an https URL (the system's by default).
  package var caFile: String?
  /// Labels added to every series (e.g. `instance`, `host`): the exported rules sum across them.
  package var externalLabels: [Label] = []
  /// How often a sample is pushed per series, and the step of a backfill.
  package var intervalMs: Int64 = 15_000
  /// How long one request may take.
  package var timeoutMs: Int64 = 30_000
  /// How far back a backfill goes after an outage or a restart; older samples are counted and
  /// skipped (receivers refuse them: Prometheus keeps about an hour open for writes).
  package var maxBackfillMs: Int64 = 3_600_000

  package struct Label: Sendable, Equatable {
    package var name: String
    package var value: String
    package init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  package init(name: String, url: String) {
    self.name = name
    self.url = url
  }

  /// Headers the protocol sets itself: a configured header may not replace them.
  package static let reservedHeaders: Set<String> = [
    "content-encoding", "content-type", "content-length", "x-prometheus-remote-write-version", "user-agent",
    "authorization", "host",
  ]
  /// Label names of the series Vigil pushes: an external label may not replace them.
  package static let seriesLabels: Set<String> = [
    "__name__", "provider", "model", "app", "env", "endpoint", "code", "class", "kind", "le", "outcome",
  ]
}
