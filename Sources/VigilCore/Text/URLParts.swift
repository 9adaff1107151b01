/// The parts of an http(s) URL that Vigil needs, parsed without Foundation.
package struct URLParts: Sendable, Equatable {
  package var scheme: String
  package var host: String
  package var port: Int

  package var hostPort: String {
    let defaultPort = scheme == "https" ? 443 : 80
    return port == defaultPort ? host : "\(host):\(port)"
  }

  /// `nil` unless `text` is an absolute http or https URL with a host.
  package init?(_ text: String) {
    let lower = text.lowercased()
    let rest: Substring
    if lower.hasPrefix("https://") {
      scheme = "https"
      rest = text.dropFirst(8)
    } else if lower.hasPrefix("http://") {
      scheme = "http"
      rest = text.dropFirst(7)
    } else {
      return nil
    }
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
    var authority = rest[..<authorityEnd]
    if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
    if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
      host = String(authority[authority.index(after: authority.startIndex)..<close])
      let after = authority[authority.index(after: close)...]
      port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : (scheme == "https" ? 443 : 80)
    } else if let colon = authority.lastIndex(of: ":") {
      host = String(authority[..<colon])
      port = Int(authority[authority.index(after: colon)...]) ?? -1
    } else {
      host = String(authority)
      port = scheme == "https" ? 443 : 80
    }
    guard !host.isEmpty, (1...65535).contains(port) else { return nil }
  }
}
