/// Every default of Vigil's settings, defined once: the command line, vigil.yaml, alerts.yaml
/// and the libraries all take them from here.
package enum VigilDefaults {
  /// The SQLite database every command uses without `--db`.
  package static let databasePath = "vigil.db"
  /// The rules file without `--rules`.
  package static let rulesPath = "alerts.yaml"
  /// Where `vigil serve` listens for UDP datagrams and for HTTP: loopback only.
  package static let udpListen = HostPort(host: "127.0.0.1", port: 9515)
  package static let httpListen = HostPort(host: "127.0.0.1", port: 9516)
  /// OTLP/HTTP's registered port, as collectors and exporters default to it.
  package static let otlpListen = HostPort(host: "127.0.0.1", port: 4318)
  /// Lines longer than this are rejected, never buffered whole.
  package static let maxLineBytes = 1 << 20
  /// How long to wait for a database another process is writing.
  package static let busyTimeoutMs: Int32 = 5000
  /// How often followers look for new lines and files.
  package static let pollIntervalMs: Int64 = 250
  /// The evaluation step of serve, backtests and rule tests; check catches up at it.
  package static let evaluationIntervalMs: Int64 = 15_000
  /// Retention (serve's `retention:`, `vigil prune`): raw calls and rejects a week, rollups 90
  /// days, delivered messages a week; serve applies it every hour.
  package static let retainRawMs: Int64 = 7 * 86_400_000
  package static let retainRollupsMs: Int64 = 90 * 86_400_000
  package static let retainDeliveredMs: Int64 = 7 * 86_400_000
  package static let retentionEveryMs: Int64 = 3_600_000
  /// How long a command that queues messages (check, notify, report --email, outbox flush) keeps
  /// delivering them before it leaves the rest in the outbox.
  package static let sendTimeoutMs: Int64 = 20_000
}
