import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import VigilCore

/// The outcome of one delivery attempt.
package enum DeliveryOutcome: Sendable, Equatable {
  case delivered
  /// Worth trying again: the receiver was down, timed out, or answered 408, 429 or 5xx.
  case retry(String, retryAfterMs: Int64?)
  /// Trying again will not help (another 4xx, a refused recipient): a dead letter at once.
  case failed(String)
}

/// Sends one outbox message to its receiver.
struct Transport: Sendable {
  var environment: [String: String]
  var http: HTTPClient
  /// Where the stdout receiver writes.
  var stdout: @Sendable ([UInt8]) -> Void

  func send(_ entry: OutboxEntry, to receiver: Receiver, nowMs: Int64) async -> DeliveryOutcome {
    switch receiver.kind {
    case .stdout:
      stdout(entry.message.body)
      return .delivered
    case .webhook(let w): return await post(entry, w, nowMs: nowMs)
    case .email(let e): return await mail(entry, e)
    case .alertmanager(let a):
      // One replica per message; each replica gets every push.
      guard let i = AlertmanagerReceiver.replica(ofGroupKey: entry.message.groupKey),
        a.urls.indices.contains(i)
      else {
        return .failed("no Alertmanager replica '\(entry.message.groupKey)' in this receiver any more")
      }
      guard let w = a.webhook(replica: i, environment: environment) else {
        return .retry("\(a.urls[i]) is not set", retryAfterMs: nil)
      }
      return await post(entry, w, nowMs: nowMs)
    }
  }

  // MARK: Webhooks

  func post(_ entry: OutboxEntry, _ w: WebhookReceiver, nowMs: Int64) async -> DeliveryOutcome {
    guard let url = w.url.resolve(environment) else {
      return .retry("\(w.url) is not set", retryAfterMs: nil)
    }
    guard let parts = URLParts(url) else { return .failed("the URL in \(w.url) is not an http(s) URL") }
    var secrets = [url]
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: entry.message.contentType)
    request.headers.add(name: "User-Agent", value: "vigil/\(VigilInfo.version)")
    // The outbox id, the same on every attempt: a receiver can drop a message it already has.
    request.headers.add(name: "X-Vigil-Delivery", value: String(entry.id))
    for h in w.headers {
      guard let value = h.value.resolve(environment) else {
        return .retry("header \(h.name): \(h.value) is not set", retryAfterMs: nil)
      }
      if case .environment = h.value { secrets.append(value) }
      request.headers.replaceOrAdd(name: h.name, value: value)
    }
    if let s = w.signingSecret {
      guard let secret = s.resolve(environment) else {
        return .retry("signing secret \(s) is not set", retryAfterMs: nil)
      }
      request.headers.add(
        name: "X-Vigil-Signature", value: "sha256=" + Signature.hex(entry.message.body, secret: secret))
    }
    request.body = .bytes(entry.message.body)
    let target = "\(parts.scheme)://\(parts.hostPort)"
    do {
      let response = try await http.execute(request, timeout: .milliseconds(w.timeoutMs))
      let body = try await response.body.collect(upTo: 64 * 1024)
      let text = Self.redact(String(buffer: body).prefix(200).description, secrets)
      let code = Int(response.status.code)
      let summary = "\(target) answered \(code)\(text.isEmpty ? "" : ": \(text)")"
      switch code {
      case 200..<300: return .delivered
      case 408, 429, 500..<600:
        let retryAfter = response.headers.first(name: "Retry-After").flatMap {
          RetryAfter.parse($0, nowMs: nowMs)
        }
        return .retry(summary, retryAfterMs: retryAfter)
      default: return .failed(summary)
      }
    } catch {
      return .retry("\(target): \(Self.redact(Self.describe(error), secrets))", retryAfterMs: nil)
    }
  }

  static func describe(_ error: any Error) -> String {
    if let e = error as? HTTPClientError {
      if e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout { return "timed out" }
      if e == .remoteConnectionClosed { return "the connection closed before a response" }
      return "\(e)"
    }
    let text = "\(error)"
    if text.contains("connectionRefused") || text.contains("Connection refused") {
      return "connection refused"
    }
    return text
  }

  /// Secrets (a URL, a header value) that an error message could echo are cut out of it.
  static func redact(_ text: String, _ secrets: [String]) -> String {
    var out = text
    for s in secrets where s.count >= 4 { out = out.replacingOccurrences(of: s, with: "<redacted>") }
    return out
  }

  // MARK: Email

  func mail(_ entry: OutboxEntry, _ e: EmailReceiver) async -> DeliveryOutcome {
    var password: String?
    if let p = e.password {
      guard let value = p.resolve(environment) else {
        return .retry("password \(p) is not set", retryAfterMs: nil)
      }
      password = value
    }
    do {
      try await SMTPClient(config: e, password: password).send(entry.message.body)
      return .delivered
    } catch {
      let text = Self.redact(error.message, password.map { [$0] } ?? [])
      return error.permanent ? .failed(text) : .retry(text, retryAfterMs: nil)
    }
  }
}

/// The body signature a receiver checks: HMAC-SHA256 of the exact body bytes with the shared
/// secret, in lower-case hex, sent as `X-Vigil-Signature: sha256=<hex>`.
package enum Signature {
  package static func hex(_ body: [UInt8], secret: String) -> String {
    let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
    return mac.map { String(format: "%02x", $0) }.joined()
  }
}
