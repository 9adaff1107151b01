/// A listening address: `127.0.0.1:9515`, `[::1]:9515`, `0.0.0.0:9515`.
package struct HostPort: Sendable, Equatable, CustomStringConvertible {
  package var host: String
  package var port: Int

  package init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  /// Parses `host:port`; `nil` when it is not one (port 0 asks the kernel for a free port).
  package init?(_ text: String) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (0...65535).contains(port)
    else { return nil }
    var host = String(text[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { return nil }
    self.init(host: host, port: port)
  }

  package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// Whether the host is a wildcard (every interface), which no browser can open.
  package var isWildcard: Bool { host == "0.0.0.0" || host == "::" || host == "*" }

  /// The URL of an HTTP server listening here: a wildcard address is named by `hostname`.
  package func httpURL(hostname: String) -> String {
    "http://" + (isWildcard ? HostPort(host: hostname, port: port) : self).description
  }

  /// Whether only this machine can reach it.
  package var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}
