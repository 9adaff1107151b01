import AsyncHTTPClient
import Foundation
import NIOCore
public import NIOHTTP1

/// Requests to a local server, for tests: status, body and headers.
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
    try await request(url, method: .GET, headers: headers)
  }

  public static func head(_ url: String) async throws -> Reply { try await request(url, method: .HEAD) }

  public static func post(
    _ url: String, headers: [(String, String)] = [], body: [UInt8], timeoutSeconds: Int64 = 60
  ) async throws -> Reply {
    try await request(url, method: .POST, headers: headers, body: body, timeoutSeconds: timeoutSeconds)
  }

  /// Any method, with an optional body. `timeoutSeconds` bounds the whole exchange: a hang guard,
  /// not a speed test (an answer returns at once). A minute, since a full run on two loaded cores
  /// once kept a real LiteLLM proxy's first answer past ten seconds; a test that queues heavy
  /// requests on purpose gives more.
  public static func request(
    _ url: String, method: HTTPMethod, headers: [(String, String)] = [], body: [UInt8]? = nil,
    timeoutSeconds: Int64 = 60
  ) async throws -> Reply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let body { request.body = .bytes(body) }
    for (k, v) in headers { request.headers.add(name: k, value: v) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
    let body = try await response.body.collect(upTo: 32 << 20)
    return Reply(
      status: Int(response.status.code), body: String(buffer: body),
      headers: response.headers.map { ($0.name, $0.value) })
  }
}
