package import VigilCore

/// Settings of `vigil serve`: the defaults, then its config file (`vigil.yaml`, read by
/// ``ServeConfigLoader``), then its flags (``ServeFlags``). A new setting is a field here, a key in
/// the loader and, if it has one, a flag.
package struct ServeConfig: Sendable, Equatable {
  package var db = VigilDefaults.databasePath
  package var rules = VigilDefaults.rulesPath
  /// Glob patterns of call logs to tail; none: no file following.
  package var follow: [String] = []
  /// Where a file with no checkpoint that exists at start is read from.
  package var startAt = StartPosition.beginning
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
  /// A request (OTLP, LiteLLM, any) whose body has not arrived whole this long after its head
  /// has its connection closed.
  package var httpBodyTimeoutMs: Int64 = 30_000
  /// What the HTTP intake's requests together may hold in memory at once (bodies, inflated,
  /// decoding): beyond it, 503 with Retry-After.
  package var intakeMemoryBytes = 512 << 20
  /// Retention, applied every `retentionEveryMs`.
  package var retainRawMs = VigilDefaults.retainRawMs
  package var retainRollupsMs = VigilDefaults.retainRollupsMs
  package var retainDeliveredMs = VigilDefaults.retainDeliveredMs
  package var retentionEveryMs = VigilDefaults.retentionEveryMs
  package var log = LogSettings()
  /// Prometheus remote-write receivers that serve pushes its call metrics to (none: off).
  package var remoteWrite: [RemoteWriteTarget] = []

  package init() {}

  /// The settings of `vigil serve`: vigil.yaml at `file` (when given), then `flags`.
  package static func resolve(file: String?, flags: ServeFlags) throws(ConfigErrors) -> ServeConfig {
    var settings =
      try file.map { path throws(ConfigErrors) in try ServeConfigLoader.load(path: path) } ?? ServeConfig()
    flags.apply(to: &settings)
    return settings
  }
}

/// How serve logs: the least severe level written, and the line format.
package struct LogSettings: Sendable, Equatable {
  /// swift-log's levels, by their names.
  package enum Level: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
  }

  /// `text`: one readable line per entry; `json` and `logfmt`: one structured entry per line, for
  /// log shippers.
  package enum Format: String, Sendable, CaseIterable {
    case text, json, logfmt
  }

  package var level = Level.info
  package var format = Format.text

  package init() {}
}

extension ServeConfig {
  /// The settings, by their vigil.yaml names, that differ from `other` and that only a restart
  /// applies: they hold sockets, files or threads. (A reload applies the rules file at once.)
  package func restartOnlyChanges(to other: ServeConfig) -> [String] {
    var changed: [String] = []
    func check(_ name: String, _ same: Bool) { if !same { changed.append(name) } }
    check("db", db == other.db)
    check("follow", follow == other.follow && startAt == other.startAt)
    check("follow.poll_interval", pollIntervalMs == other.pollIntervalMs)
    check("follow.max_line_bytes", maxLineBytes == other.maxLineBytes)
    check("udp", udp == other.udp && udpReceiveBufferBytes == other.udpReceiveBufferBytes)
    check(
      "http",
      http == other.http && httpTokenEnv == other.httpTokenEnv && httpIdleTimeoutMs == other.httpIdleTimeoutMs
        && httpBodyTimeoutMs == other.httpBodyTimeoutMs && intakeMemoryBytes == other.intakeMemoryBytes
    )
    check("otlp", otlp == other.otlp)
    check(
      "retention",
      retainRawMs == other.retainRawMs && retainRollupsMs == other.retainRollupsMs
        && retainDeliveredMs == other.retainDeliveredMs && retentionEveryMs == other.retentionEveryMs)
    check("log_level", log.level == other.log.level)
    check("log_format", log.format == other.log.format)
    // The senders hold their receivers' connections, secrets and progress.
    check("remote_write", remoteWrite == other.remoteWrite)
    return changed
  }
}
