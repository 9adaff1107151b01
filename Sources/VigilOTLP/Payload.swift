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

/// Request bodies of the OTLP/HTTP and LiteLLM endpoints: content types, gzip, and the bounds of
/// ``IntakeLimits`` on what one request may cost.
package enum Payload {
  /// The largest body accepted as sent (OTLP exporters batch far below this).
  package static var maxBodyBytes: Int { IntakeLimits().maxBodyBytes }
  /// The largest body once decompressed: a gzip bomb stops here.
  package static var maxInflatedBytes: Int { IntakeLimits().maxInflatedBytes }

  /// The body as sent, decompressed when `Content-Encoding: gzip` (or `identity`, or none); what
  /// inflating holds is taken from `reservation`.
  package static func decoded(
    _ body: [UInt8], contentEncoding: String?, limits: IntakeLimits = IntakeLimits(),
    reservation: IntakeReservation? = nil
  ) throws(PayloadError) -> [UInt8] {
    switch contentEncoding?.lowercased().trimmingCharacters(in: .whitespaces) ?? "" {
    case "", "identity": return body
    case "gzip", "x-gzip": return try gunzip(body, limit: limits.maxInflatedBytes, reservation: reservation)
    case let other:
      throw PayloadError(415, "Content-Encoding '\(other.prefix(40))' is not supported (gzip or none)")
    }
  }

  /// Inflates gzip data, every member of it (RFC 1952: members may be concatenated, as `cat a.gz
  /// b.gz` makes), stopping with a 413 beyond `limit` bytes and a 400 on corrupt data (trailing
  /// bytes that are not a member included).
  package static func gunzip(_ data: [UInt8], limit: Int, reservation: IntakeReservation? = nil)
    throws(PayloadError) -> [UInt8]
  {
    var stream = z_stream()
    guard czlib_inflate_init_gzip(&stream) == Z_OK else {
      throw PayloadError(500, "cannot start the gzip decoder")
    }
    defer { inflateEnd(&stream) }
    var out: [UInt8] = []
    var reserved = 0
    var refused: PayloadError?
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
        // What the inflated body holds is the request's, taken before it grows.
        if let reservation {
          do throws(PayloadError) {
            try reservation.grow(&out, toHold: out.count + produced, reserved: &reserved, for: "inflate")
          } catch {
            refused = error
            return -101
          }
        }
        out.append(contentsOf: chunk[0..<produced])
        if code == Z_STREAM_END {
          // Another member follows: inflate it too.
          guard stream.avail_in > 0 else { return Z_STREAM_END }
          guard inflateReset(&stream) == Z_OK else { return Z_STREAM_ERROR }
          continue
        }
        if code != Z_OK { return code }
        if stream.avail_in == 0 && produced == 0 { return Z_BUF_ERROR }
      }
    }
    if let refused { throw refused }
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

  /// An export request, from protobuf or OTLP/JSON, held to `limits` before it is decoded (a 413
  /// that names the bound) and its decoding's cost taken from `reservation` (see
  /// ``ExportRequest``); a 400 that says why when it does not decode.
  static func request<M: ExportRequest>(
    _: M.Type, _ body: [UInt8], protobuf: Bool, limits: IntakeLimits, reservation: IntakeReservation?
  ) throws(PayloadError) -> (M, repaired: Int) {
    let what = M.logs ? "logs" : "traces"
    func decode(_ bytes: [UInt8]) throws -> M {
      protobuf ? try M(serializedBytes: bytes) : try M(jsonUTF8Bytes: bytes, options: jsonOptions)
    }
    if protobuf {
      let shape = try WireShape.shape(body, logs: M.logs, limits: limits)
      try shape.check(limits)
      try reservation?.add(shape.messages * IntakeLimits.bytesPerMessage + body.count, for: "decode")
    } else {
      let shape = try JSONShape.scan(body, limits: limits)
      try reservation?.add(shape.values * IntakeLimits.bytesPerJSONValue + body.count, for: "decode")
    }
    var decoded: M
    var repaired = 0
    do {
      decoded = try decode(body)
    } catch {
      // Bytes that are not UTF-8 in a string refuse the whole request in either decoder: replaced
      // by `?` (the field's text is what is lost, not the export), and decoded again.
      let fixed: [UInt8]
      if protobuf {
        (fixed, repaired) = try WireShape.repaired(body, logs: M.logs, limits: limits)
      } else {
        (fixed, repaired) = UTF8Check.repaired(body)
      }
      do {
        guard repaired > 0 else { throw error }
        try reservation?.add(fixed.count, for: "repair")
        decoded = try decode(fixed)
      } catch let refused as PayloadError {
        throw refused
      } catch {
        throw PayloadError(400, "not an OTLP \(what) export (\(protobuf ? "protobuf" : "JSON")): \(error)")
      }
    }
    if !protobuf { try decoded.shape.check(limits) }
    return (decoded, repaired)
  }

  /// The calls of an OTLP traces export.
  package static func traces(
    _ body: [UInt8], protobuf: Bool, limits: IntakeLimits = IntakeLimits(),
    reservation: IntakeReservation? = nil
  ) throws(PayloadError) -> GenAICalls.Mapped {
    let (request, repaired) = try request(
      Vigil_Otlp_V1_ExportTraceServiceRequest.self, body, protobuf: protobuf, limits: limits,
      reservation: reservation)
    var mapped = GenAICalls.calls(request)
    mapped.repaired = repaired
    return mapped
  }

  /// The calls of an OTLP logs export.
  package static func logs(
    _ body: [UInt8], protobuf: Bool, limits: IntakeLimits = IntakeLimits(),
    reservation: IntakeReservation? = nil
  ) throws(PayloadError) -> GenAICalls.Mapped {
    let (request, repaired) = try request(
      Vigil_Otlp_V1_ExportLogsServiceRequest.self, body, protobuf: protobuf, limits: limits,
      reservation: reservation)
    var mapped = GenAICalls.calls(request)
    mapped.repaired = repaired
    return mapped
  }

  /// The export response: empty when everything was taken as sent, else `partial_success` with
  /// the count refused and the first reason (or, nothing refused, the message as a warning, as
  /// OTLP has it); in the request's encoding.
  package static func response(logs: Bool, rejected: Int, message: String?, protobuf: Bool) -> [UInt8] {
    do {
      if logs {
        var r = Vigil_Otlp_V1_ExportLogsServiceResponse()
        if rejected > 0 || message != nil {
          r.partialSuccess.rejectedLogRecords = Int64(rejected)
          r.partialSuccess.errorMessage = message ?? ""
        }
        return protobuf ? try r.serializedBytes() : try r.jsonUTF8Bytes()
      }
      var r = Vigil_Otlp_V1_ExportTraceServiceResponse()
      if rejected > 0 || message != nil {
        r.partialSuccess.rejectedSpans = Int64(rejected)
        r.partialSuccess.errorMessage = message ?? ""
      }
      return protobuf ? try r.serializedBytes() : try r.jsonUTF8Bytes()
    } catch {
      return []
    }
  }
}
