public import VigilCore

/// Settings of `vigil serve`: from its config file (`vigil.yaml`), then flags.
public struct ServeConfig: Sendable, Equatable {
  public var db = VigilDefaults.databasePath
  public var rules = VigilDefaults.rulesPath
  /// Glob patterns of call logs to tail; none: no file following.
  public var follow: [String] = []
  /// Where a file with no checkpoint that exists at start is read from: `beginning` or `end`.
  public var startAtEnd = false
  public var pollIntervalMs = VigilDefaults.pollIntervalMs
  public var maxLineBytes = VigilDefaults.maxLineBytes
  /// The UDP listener (`nil`: off). Loopback unless the user asks otherwise.
  public var udp: HostPort? = VigilDefaults.udpListen
  /// The socket's receive buffer. Measured on 2 cores shared with a sender at 300k datagrams/s:
  /// the 212 KB default loses datagrams in bursts, 8 MiB still about 3%, 32 MiB none.
  public var udpReceiveBufferBytes = 32 << 20
  /// The HTTP server (`nil`: off).
  public var http: HostPort? = VigilDefaults.httpListen
  /// The environment variable holding the bearer token HTTP clients must send (all but health checks).
  public var httpTokenEnv: String?
  /// An HTTP connection with no request for this long is closed.
  public var httpIdleTimeoutMs: Int64 = 60_000
  /// Retention, applied every `retentionEveryMs`.
  public var retainRawMs: Int64 = 7 * 86_400_000
  public var retainRollupsMs: Int64 = 90 * 86_400_000
  public var retainDeliveredMs: Int64 = 7 * 86_400_000
  public var retentionEveryMs: Int64 = 3_600_000
  public var logLevel = "info"

  public init() {}
}
