import CZlib
import Foundation
import SwiftProtobuf
import VigilCore

/// A request body refused as a whole, with the HTTP status that says why.
package struct PayloadError: Error, Sendable, Equatable {
  package var status: Int
  package var message: String

  package init(_ status: Int, _ message: String) {
    self.status = status
    self.message = message
  }
}

/// Request bodies of the OTLP/HTTP and LiteLLM endpoints: content types, gzip, size limits.
package enum Payload {
  /// The largest body accepted as sent (OTLP exporters batch far below this).
  package static let maxBodyBytes = 20 << 20
  /// The largest body once decompressed: a gzip bomb stops here.
  package static let maxInflatedBytes = 64 << 20

  /// The body as sent, decompressed when `Content-Encoding: gzip` (or `identity`, or none).
  package static func decoded(_ body: [UInt8], contentEncoding: String?) throws(PayloadError) -> [UInt8] {
    switch contentEncoding?.lowercased().trimmingCharacters(in: .whitespaces) ?? "" {
    case "", "identity": return body
    case "gzip", "x-gzip": return try gunzip(body, limit: maxInflatedBytes)
    case let other:
      throw PayloadError(415, "Content-Encoding '\(other.prefix(40))' is not supported (gzip or none)")
    }
  }

  /// Inflates gzip data, stopping with a 413 beyond `limit` bytes and a 400 on corrupt data.
  package static func gunzip(_ data: [UInt8], limit: Int) throws(PayloadError) -> [UInt8] {
    var stream = z_stream()
    guard czlib_inflate_init_gzip(&stream) == Z_OK else {
      throw PayloadError(500, "cannot start the gzip decoder")
    }
    defer { inflateEnd(&stream) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    var input = data
    let rc: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
      stream.next_in = inBuf.baseAddress
      stream.avail_in = UInt32(inBuf.count)
      while true {
        let (code, produced) = chunk.withUnsafeMutableBufferPointer { outBuf -> (Int32, Int) in
          stream.next_out = outBuf.baseAddress
          stream.avail_out = UInt32(outBuf.count)
          let code = inflate(&stream, Z_NO_FLUSH)
          return (code, outBuf.count - Int(stream.avail_out))
        }
        if out.count + produced > limit { return -100 }
        out.append(contentsOf: chunk[0..<produced])
        if code == Z_STREAM_END { return Z_STREAM_END }
        if code != Z_OK { return code }
        if stream.avail_in == 0 && produced == 0 { return Z_BUF_ERROR }
      }
    }
    if rc == -100 { throw PayloadError(413, "the body inflates beyond \(limit >> 20) MiB") }
    guard rc == Z_STREAM_END else {
      throw PayloadError(400, "the gzip body is corrupt or cut short (zlib \(rc))")
    }
    return out
  }

  /// Whether a content type is OTLP's protobuf (true) or JSON (false); anything else is a 415.
  package static func isProtobuf(_ contentType: String?) throws(PayloadError) -> Bool {
    let type =
      (contentType ?? "").split(separator: ";").first.map {
        $0.trimmingCharacters(in: .whitespaces).lowercased()
      } ?? ""
    switch type {
    case "application/x-protobuf", "application/protobuf": return true
    case "application/json": return false
    default:
      throw PayloadError(
        415, "Content-Type '\(type.prefix(60))' is not supported: application/x-protobuf or application/json")
    }
  }

  static var jsonOptions: JSONDecodingOptions {
    var o = JSONDecodingOptions()
    o.ignoreUnknownFields = true
    return o
  }

  /// An export request, from protobuf or OTLP/JSON; a 400 that says why when it does not decode.
  static func request<M: SwiftProtobuf.Message>(_: M.Type, _ body: [UInt8], protobuf: Bool, what: String)
    throws(PayloadError) -> M
  {
    do {
      return protobuf ? try M(serializedBytes: body) : try M(jsonUTF8Bytes: body, options: jsonOptions)
    } catch {
      throw PayloadError(400, "not an OTLP \(what) export (\(protobuf ? "protobuf" : "JSON")): \(error)")
    }
  }

  /// The calls of an OTLP traces export.
  package static func traces(_ body: [UInt8], protobuf: Bool) throws(PayloadError) -> GenAICalls.Mapped {
    GenAICalls.calls(
      try request(Vigil_Otlp_V1_ExportTraceServiceRequest.self, body, protobuf: protobuf, what: "traces"))
  }

  /// The calls of an OTLP logs export.
  package static func logs(_ body: [UInt8], protobuf: Bool) throws(PayloadError) -> GenAICalls.Mapped {
    GenAICalls.calls(
      try request(Vigil_Otlp_V1_ExportLogsServiceRequest.self, body, protobuf: protobuf, what: "logs"))
  }

  /// The export response: empty when everything was taken, else `partial_success` with the count
  /// refused and the first reason; in the request's encoding.
  package static func response(logs: Bool, rejected: Int, message: String?, protobuf: Bool) -> [UInt8] {
    do {
      if logs {
        var r = Vigil_Otlp_V1_ExportLogsServiceResponse()
        if rejected > 0 {
          r.partialSuccess.rejectedLogRecords = Int64(rejected)
          r.partialSuccess.errorMessage = message ?? ""
        }
        return protobuf ? try r.serializedBytes() : try r.jsonUTF8Bytes()
      }
      var r = Vigil_Otlp_V1_ExportTraceServiceResponse()
      if rejected > 0 {
        r.partialSuccess.rejectedSpans = Int64(rejected)
        r.partialSuccess.errorMessage = message ?? ""
      }
      return protobuf ? try r.serializedBytes() : try r.jsonUTF8Bytes()
    } catch {
      return []
    }
  }
}
