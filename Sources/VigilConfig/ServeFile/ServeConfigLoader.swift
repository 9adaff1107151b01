import VigilCore
import Yams

/// Reads vigil.yaml, the settings of `vigil serve`; every error with its line and column.
package enum ServeConfigLoader {
  /// The version of vigil.yaml this build reads.
  package static let supportedVersion = 1

  package static func load(path: String) throws(ConfigErrors) -> ServeConfig {
    try YAMLReader.load(path: path) { $0.parseServeFile($1) }
  }

  package static func load(yaml: String, file: String) throws(ConfigErrors) -> ServeConfig {
    try YAMLReader.load(yaml: yaml, file: file) { $0.parseServeFile($1) }
  }
}

extension YAMLReader {
  static let serveKeys = [
    "version", "db", "rules", "follow", "udp", "http", "otlp", "retention", "log_level", "log_format",
    "remote_write",
  ]
  static let followKeys = ["paths", "start_at", "poll_interval", "max_line_bytes"]
  static let udpKeys = ["listen", "receive_buffer"]
  static let httpKeys = ["listen", "token_env", "idle_timeout", "body_timeout", "intake_memory"]
  static let otlpKeys = ["listen"]
  static let retentionKeys = ["raw", "rollups", "delivered_messages", "every"]

  mutating func parseServeFile(_ yaml: String) -> ServeConfig? {
    guard let root = compose(yaml, ifEmpty: "the file is empty: it needs at least 'version: 1'") else {
      return nil
    }
    var config = ServeConfig()
    parseServe(root, into: &config)
    return config
  }

  mutating func parseServe(_ root: Node, into c: inout ServeConfig) {
    let top = entries(root, known: Self.serveKeys, what: "the serve settings")
    if let v = top["version"] {
      if v.int != ServeConfigLoader.supportedVersion {
        fail(
          v,
          "version \(v.string ?? "?") is not supported; this vigil reads version \(ServeConfigLoader.supportedVersion)"
        )
      }
    } else if root.mapping != nil {
      fail(root, "missing 'version: \(ServeConfigLoader.supportedVersion)' (the first line of vigil.yaml)")
    }
    if let n = top["db"], let v = string(n) { c.db = v }
    if let n = top["rules"], let v = string(n) { c.rules = v }
    if let n = top["log_format"], let v = string(n) {
      if let format = LogSettings.Format(rawValue: v) {
        c.log.format = format
      } else {
        fail(
          n,
          "log_format must be one of \(LogSettings.Format.allCases.map(\.rawValue).joined(separator: ", "))")
      }
    }
    if let n = top["log_level"], let v = string(n) {
      if let level = LogSettings.Level(rawValue: v) {
        c.log.level = level
      } else {
        fail(
          n, "log_level must be one of \(LogSettings.Level.allCases.map(\.rawValue).joined(separator: ", "))")
      }
    }
    if let n = top["follow"] {
      let e = entries(n, known: Self.followKeys, what: "follow")
      if let p = e["paths"] { c.follow = strings(p) }
      if let s = e["start_at"], let v = string(s) {
        if let position = StartPosition(rawValue: v) {
          c.startAt = position
        } else {
          fail(s, "start_at must be beginning or end")
        }
      }
      if let p = e["poll_interval"], let ms = duration(p, positive: true) { c.pollIntervalMs = ms }
      if let m = e["max_line_bytes"], let v = byteSize(m, max: CallBatch.maxLineBytes) { c.maxLineBytes = v }
    }
    if let n = top["remote_write"] { c.remoteWrite = parseRemoteWrite(n) }
    if let n = top["udp"] { c.udp = listener(n, keys: Self.udpKeys, what: "udp", into: &c) }
    if let n = top["http"] { c.http = listener(n, keys: Self.httpKeys, what: "http", into: &c) }
    if let n = top["otlp"] { c.otlp = listener(n, keys: Self.otlpKeys, what: "otlp", into: &c) }
    if let n = top["retention"] {
      let e = entries(n, known: Self.retentionKeys, what: "retention")
      if let v = e["raw"], let ms = duration(v, positive: true) { c.retainRawMs = ms }
      if let v = e["rollups"], let ms = duration(v, positive: true) { c.retainRollupsMs = ms }
      if let v = e["delivered_messages"], let ms = duration(v, positive: true) { c.retainDeliveredMs = ms }
      if let v = e["every"], let ms = duration(v, positive: true) { c.retentionEveryMs = ms }
      if c.retainRollupsMs < c.retainRawMs, let v = e["rollups"] {
        fail(v, "rollups must be kept at least as long as raw calls")
      }
    }
  }

  /// `udp: off`, or a mapping with `listen: host:port` and the listener's own keys.
  mutating func listener(_ n: Node, keys: [String], what: String, into c: inout ServeConfig) -> HostPort? {
    if n.scalar?.string == "off" || n.bool == false { return nil }
    let e = entries(n, known: keys, what: what)
    let fallback =
      switch what {
      case "udp": VigilDefaults.udpListen
      case "otlp": VigilDefaults.otlpListen
      default: VigilDefaults.httpListen
      }
    var address =
      switch what {
      case "udp": c.udp ?? fallback
      case "otlp": c.otlp ?? fallback
      default: c.http ?? fallback
      }
    if let l = e["listen"], let text = string(l) {
      if let hp = HostPort(text) {
        address = hp
      } else {
        fail(
          l,
          "\(what).listen must be host:port, e.g. \(fallback)"
        )
      }
    }
    if let b = e["receive_buffer"], let v = byteSize(b, max: 1 << 30) { c.udpReceiveBufferBytes = v }
    if let t = e["idle_timeout"], let ms = duration(t, positive: true) {
      if ms < 1000 { fail(t, "idle_timeout must be at least 1s") } else { c.httpIdleTimeoutMs = ms }
    }
    if let t = e["body_timeout"], let ms = duration(t, positive: true) { c.httpBodyTimeoutMs = ms }
    if let b = e["intake_memory"], let v = byteSize(b, max: 64 << 30) {
      if v < 64 << 20 { fail(b, "intake_memory must be at least 64MiB") } else { c.intakeMemoryBytes = v }
    }
    if let t = e["token_env"], let v = string(t) {
      if isEnvName(v) { c.httpTokenEnv = v } else { fail(t, "token_env must name an environment variable") }
    }
    return address
  }

  /// `8MiB`, `512KiB`, `1048576`, at most `max` bytes.
  mutating func byteSize(_ n: Node, max: Int) -> Int? {
    guard let text = n.scalar?.string else {
      fail(n, "expected a size such as 8MiB")
      return nil
    }
    let units: [(String, Int)] = [
      ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000),
      ("KB", 1000), ("B", 1),
    ]
    var parsed: (value: Int, factor: Int)?
    for (suffix, factor) in units where text.hasSuffix(suffix) {
      if let v = Int(text.dropLast(suffix.count).trimmingCharacters(" ")), v > 0 { parsed = (v, factor) }
      break
    }
    if parsed == nil, let v = Int(text), v > 0 { parsed = (v, 1) }
    guard let parsed else {
      fail(n, "'\(text)' is not a size such as 8MiB or 1048576")
      return nil
    }
    let (bytes, overflow) = parsed.value.multipliedReportingOverflow(by: parsed.factor)
    guard !overflow, bytes <= max else {
      fail(n, "'\(text)' is more than the largest size allowed here (\(max) bytes)")
      return nil
    }
    return bytes
  }
}
