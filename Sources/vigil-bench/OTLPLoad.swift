import Foundation
import SwiftProtobuf
import Synchronization
import VigilOTLP

#if canImport(Glibc)
  import Glibc
#endif

/// `vigil-bench otlp PORT SPANS BATCH CONNECTIONS`: posts SPANS GenAI spans to 127.0.0.1:PORT's
/// /v1/traces as OTLP protobuf in requests of BATCH spans, over CONNECTIONS keep-alive connections,
/// and prints how long until the last was answered 200 (answered means stored).
enum OTLPLoad {
  static func kv(_ key: String, _ s: String) -> Vigil_Otlp_V1_KeyValue {
    var kv = Vigil_Otlp_V1_KeyValue()
    kv.key = key
    kv.value.stringValue = s
    return kv
  }

  static func kv(_ key: String, _ i: Int64) -> Vigil_Otlp_V1_KeyValue {
    var kv = Vigil_Otlp_V1_KeyValue()
    kv.key = key
    kv.value.intValue = i
    return kv
  }

  /// The requests, serialized before any is sent: spans as OpenLLMetry writes them (a few
  /// percent failed, with the exception event), one second of calls per batch.
  static func requests(spans: Int, batch: Int) throws -> [[UInt8]] {
    let providers = [("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"), ("google", "gemini-flash")]
    let start = UInt64(Date().timeIntervalSince1970 - 3600) * 1_000_000_000
    var out: [[UInt8]] = []
    var n = 0
    while n < spans {
      var ss = Vigil_Otlp_V1_ScopeSpans()
      ss.scope.name = "opentelemetry.instrumentation.openai.v1"
      for _ in 0..<min(batch, spans - n) {
        let (provider, model) = providers[n % 3]
        var s = Vigil_Otlp_V1_Span()
        s.traceID = Data((0..<16).map { UInt8(truncatingIfNeeded: n >> ($0 % 4 * 8)) })
        s.spanID = Data((0..<8).map { UInt8(truncatingIfNeeded: n >> ($0 % 4 * 8)) })
        s.name = "\(provider).chat"
        s.kind = .client
        s.startTimeUnixNano = start + UInt64(n) * 1_000_000
        s.endTimeUnixNano = s.startTimeUnixNano + UInt64(200 + n % 1800) * 1_000_000
        s.attributes = [
          kv("gen_ai.operation.name", "chat"), kv("gen_ai.provider.name", provider),
          kv("gen_ai.request.model", model), kv("gen_ai.usage.input_tokens", Int64(100 + n % 50)),
          kv("gen_ai.usage.output_tokens", Int64(20 + n % 30)), kv("gen_ai.response.id", "chatcmpl-\(n)"),
        ]
        if n % 25 == 0 {
          s.status.code = .error
          s.attributes.append(kv("error.type", "RateLimitError"))
          var e = Vigil_Otlp_V1_Span.Event()
          e.name = "exception"
          e.attributes = [
            kv("exception.type", "openai.RateLimitError"),
            kv("exception.message", "Error code: 429 - Rate limit reached for requests"),
          ]
          s.events = [e]
        }
        ss.spans.append(s)
        n += 1
      }
      var rs = Vigil_Otlp_V1_ResourceSpans()
      rs.resource.attributes = [kv("service.name", "bench"), kv("deployment.environment.name", "prod")]
      rs.scopeSpans = [ss]
      var r = Vigil_Otlp_V1_ExportTraceServiceRequest()
      r.resourceSpans = [rs]
      out.append(try r.serializedBytes())
    }
    return out
  }

  /// One keep-alive connection: sends each request and reads its answer; the statuses.
  static func post(port: Int, bodies: ArraySlice<[UInt8]>) -> [Int] {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { return bodies.map { _ in -1 } }
    var statuses: [Int] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    for body in bodies {
      let head = Array(
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: \(body.count)\r\n\r\n"
          .utf8)
      for part in [head, body] {
        var sent = 0
        while sent < part.count {
          let n = part[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
          if n <= 0 { return statuses + [-1] }
          sent += n
        }
      }
      // The answer: headers, then Content-Length bytes.
      var received: [UInt8] = []
      var status = -1
      while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { return statuses + [-1] }
        received += buffer[0..<n]
        guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
        let headers = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
        status = Int(headers.split(separator: " ").dropFirst().first ?? "") ?? -1
        let length =
          headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap {
            Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces))
          } ?? 0
        if received.count - end.upperBound >= length { break }
      }
      statuses.append(status)
    }
    return statuses
  }

  static func run(port: Int, spans: Int, batch: Int, connections: Int) throws {
    let bodies = try requests(spans: spans, batch: batch)
    let bytes = bodies.reduce(0) { $0 + $1.count }
    let t0 = seconds()
    let results = Mutex<[[Int]?]>(Array(repeating: nil, count: connections))
    let threads = (0..<connections).map { c in
      Thread {
        let mine = bodies.indices.filter { $0 % connections == c }.map { bodies[$0] }
        let statuses = post(port: port, bodies: mine[...])
        results.withLock { $0[c] = statuses }
      }
    }
    for t in threads { t.start() }
    while results.withLock({ $0.contains { $0 == nil } }) { usleep(1000) }
    let elapsed = seconds() - t0
    let statuses = results.withLock { $0.compactMap { $0 }.flatMap { $0 } }
    let ok = statuses.filter { $0 == 200 }.count
    print(
      "otlp: \(spans) spans in \(bodies.count) requests (\(bytes / bodies.count) bytes each) over \(connections) connections: \(formatSeconds(elapsed)) s, \(Int(Double(spans) / elapsed)) spans/s, \(ok) answered 200, \(statuses.count - ok) not"
    )
  }

  static func formatSeconds(_ s: Double) -> String { String(format: "%.3f", s) }
}
