import AsyncHTTPClient
import Foundation
import NIOCore

/// GET requests to a local server, for tests: status, body and headers.
public enum HTTPGet {
  public struct Reply: Sendable {
    public var status: Int
    public var body: String
    public var headers: [(String, String)]

    public func header(_ name: String) -> String? {
      headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
  }

  public static func get(_ url: String, headers: [(String, String)] = []) async throws -> Reply {
    var request = HTTPClientRequest(url: url)
    for (k, v) in headers { request.headers.add(name: k, value: v) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 32 << 20)
    return Reply(
      status: Int(response.status.code), body: String(buffer: body),
      headers: response.headers.map { ($0.name, $0.value) })
  }
}
