package import VigilCore

/// Settings of `vigil serve`: from its config file (`vigil.yaml`), then flags.
package struct ServeConfig: Sendable, Equatable {
  package var db = VigilDefaults.databasePath
  package var rules = VigilDefaults.rulesPath
  /// Glob patterns of call logs to tail; none: no file following.
  package var follow: [String] = []
  /// Where a file with no checkpoint that exists at start is read from: `beginning` or `end`.
  package var startAtEnd = false
  package var pollIntervalMs = VigilDefaults.pollIntervalMs
  package var maxLineBytes = VigilDefaults.maxLineBytes
  /// The UDP listener (`nil`: off). Loopback unless the user asks otherwise.
  package var udp: HostPort? = VigilDefaults.udpListen
  /// The socket's receive buffer. Measured on 2 cores shared with a sender at 300k datagrams/s:
  /// the 212 KB default loses datagrams in bursts, 8 MiB still about 3%, 32 MiB none.
  package var udpReceiveBufferBytes = 32 << 20
  /// The HTTP server (`nil`: off).
  package var http: HostPort? = VigilDefaults.httpListen
  /// The OTLP/HTTP receiver (`/v1/traces`, `/v1/logs`; `nil`: off).
  package var otlp: HostPort? = VigilDefaults.otlpListen
  /// The environment variable holding the bearer token HTTP clients must send (all but health checks).
  package var httpTokenEnv: String?
  /// An HTTP connection with no request for this long is closed.
  package var httpIdleTimeoutMs: Int64 = 60_000
  /// Retention, applied every `retentionEveryMs`.
  package var retainRawMs: Int64 = 7 * 86_400_000
  package var retainRollupsMs: Int64 = 90 * 86_400_000
  package var retainDeliveredMs: Int64 = 7 * 86_400_000
  package var retentionEveryMs: Int64 = 3_600_000
  package var logLevel = "info"
  /// `text` (one readable line per entry), `json` or `logfmt` (for log shippers).
  package var logFormat = "text"
  package static let logFormats = ["text", "json", "logfmt"]

  package init() {}
}
