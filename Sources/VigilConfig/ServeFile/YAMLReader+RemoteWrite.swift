import VigilCore
import Yams

/// `remote_write:` in vigil.yaml: a list of receivers, as Prometheus's own `remote_write`.
extension YAMLReader {
  static let remoteWriteKeys = [
    "name", "url", "bearer_token_env", "basic_auth", "headers", "header_env", "ca_file", "external_labels",
    "interval",
    "timeout", "max_backfill",
  ]
  static let basicAuthKeys = ["username", "password_env"]

  mutating func parseRemoteWrite(_ n: Node) -> [RemoteWriteTarget] {
    guard let list = n.sequence else {
      fail(n, "remote_write must be a list of receivers, each with a url")
      return []
    }
    var out: [RemoteWriteTarget] = []
    for (i, item) in list.enumerated() {
      guard let target = remoteWriteTarget(item, index: i) else { continue }
      if out.contains(where: { $0.name == target.name }) {
        fail(item, "remote_write: two receivers are named '\(target.name)' (give each a distinct name)")
        continue
      }
      out.append(target)
    }
    return out
  }

  mutating func remoteWriteTarget(_ item: Node, index: Int) -> RemoteWriteTarget? {
    let e = entries(item, known: Self.remoteWriteKeys, what: "remote_write[\(index)]")
    guard item.mapping != nil else { return nil }
    guard let u = e["url"] else {
      fail(item, "remote_write[\(index)]: missing url (e.g. http://127.0.0.1:9090/api/v1/write)")
      return nil
    }
    guard let url = string(u) else { return nil }
    guard let parts = URLParts(url), !url.contains(where: { $0.isWhitespace || $0.isNewline }) else {
      fail(u, "remote_write[\(index)]: url must be an http:// or https:// URL with a host")
      return nil
    }
    // Credentials in the URL would be logged and shown by the API: they belong in the environment.
    if url.dropFirst(parts.scheme.count + 3).prefix(while: { $0 != "/" }).contains("@") {
      fail(u, "remote_write[\(index)]: no credentials in the url; use bearer_token_env or basic_auth")
      return nil
    }
    var t = RemoteWriteTarget(name: parts.hostPort, url: url)
    let what = "remote_write '\(t.name)'"
    if let n = e["name"], let v = string(n) {
      if isLabelValue(v) { t.name = v } else { fail(n, "\(what): name must be 1 to 64 printable characters") }
    }
    if let n = e["bearer_token_env"], let v = string(n) {
      if isEnvName(v) {
        t.bearerTokenEnv = v
      } else {
        fail(n, "\(what): bearer_token_env must name an environment variable")
      }
    }
    if let n = e["basic_auth"] {
      let b = entries(n, known: Self.basicAuthKeys, what: "\(what): basic_auth")
      if let u = b["username"], let v = string(u) {
        if v.isEmpty || v.contains(":") || v.contains(where: \.isNewline) {
          fail(u, "\(what): basic_auth.username must be non-empty, without ':' or line breaks")
        } else {
          t.basicAuthUsername = v
        }
      }
      if let p = b["password_env"], let v = string(p) {
        if isEnvName(v) {
          t.basicAuthPasswordEnv = v
        } else {
          fail(p, "\(what): basic_auth.password_env must name an environment variable")
        }
      }
      if n.mapping != nil && (t.basicAuthUsername == nil || t.basicAuthPasswordEnv == nil) {
        fail(n, "\(what): basic_auth needs username and password_env")
      }
      if t.bearerTokenEnv != nil { fail(n, "\(what): bearer_token_env and basic_auth exclude each other") }
    }
    for h in parseHeaders(e, what: what) {
      if RemoteWriteTarget.reservedHeaders.contains(h.name.lowercased()) {
        fail(
          e["headers"] ?? e["header_env"],
          "\(what): the header \(h.name) is set by the protocol or by the auth settings")
      } else {
        t.headers.append(h)
      }
    }
    if let n = e["ca_file"], let v = string(n) {
      if v.isEmpty { fail(n, "\(what): ca_file must be a path") } else { t.caFile = v }
      if parts.scheme != "https" { fail(n, "\(what): ca_file applies to an https:// url only") }
    }
    if let n = e["external_labels"] {
      for (k, v) in n.mapping ?? [:] {
        guard let key = k.string, isPromLabelName(key), !key.hasPrefix("__") else {
          fail(k, "\(what): external_labels names must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __")
          continue
        }
        guard let value = v.string, isLabelValue(value) else {
          fail(v, "\(what): external label \(key) needs a value of 1 to 64 printable characters")
          continue
        }
        if RemoteWriteTarget.seriesLabels.contains(key) {
          fail(k, "\(what): external label \(key) would replace a label of Vigil's series")
          continue
        }
        t.externalLabels.append(.init(name: key, value: value))
      }
      if n.mapping == nil { fail(n, "\(what): external_labels must be a mapping of names to values") }
    }
    if let n = e["interval"], let ms = duration(n, positive: true) {
      if ms < 1000 || ms > 3_600_000 || ms % 1000 != 0 {
        fail(n, "\(what): interval must be whole seconds from 1s to 1h")
      } else {
        t.intervalMs = ms
      }
    }
    if let n = e["timeout"], let ms = duration(n, positive: true) {
      if ms < 100 || ms > 600_000 {
        fail(n, "\(what): timeout must be from 100ms to 10m")
      } else {
        t.timeoutMs = ms
      }
    }
    if let n = e["max_backfill"], let ms = duration(n, positive: true) {
      if ms < t.intervalMs || ms > 7 * 86_400_000 {
        fail(n, "\(what): max_backfill must be at least the interval and at most 7d")
      } else {
        t.maxBackfillMs = ms
      }
    }
    return t
  }

  /// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
  func isPromLabelName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
    return isLabelName(s)
  }

  /// A short printable value (receiver names, external label values).
  func isLabelValue(_ s: String) -> Bool {
    !s.isEmpty && s.count <= 64 && s.unicodeScalars.allSatisfy { $0.value >= 32 && $0.value != 127 }
  }
}
