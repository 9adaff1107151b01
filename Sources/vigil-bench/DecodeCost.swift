import Foundation
import SwiftProtobuf
import VigilCore
import VigilOTLP

/// `vigil-bench decode KIND FILE [unbounded]`: one request body (gzip when FILE ends in .gz) taken
/// as serve's intake takes it, bounded (``IntakeLimits``, 413 before decoding), or, with
/// `unbounded`, decoded straight as intake did before the bounds (SwiftProtobuf's decoder,
/// JSONSerialization): run under `/usr/bin/time -v` for what one request costs in memory and time.
enum DecodeCost {
  static func run(kind: String, file: String, unbounded: Bool) throws {
    let raw = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    let began = seconds()
    let outcome: String
    if unbounded {
      let body = file.hasSuffix(".gz") ? try Payload.gunzip(raw, limit: 64 << 20) : raw
      switch kind {
      case "litellm":
        let items = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        outcome = "decoded \((items as? [Any])?.count ?? 1) items"
      default:
        let request = try Vigil_Otlp_V1_ExportTraceServiceRequest(serializedBytes: body)
        outcome = "decoded \(request.resourceSpans.count) resource spans"
      }
    } else {
      do {
        let body = try Payload.decoded(raw, contentEncoding: file.hasSuffix(".gz") ? "gzip" : nil)
        let mapped =
          kind == "litellm"
          ? try LiteLLMCalls.calls(body, limits: IntakeLimits(), reservation: nil)
          : try Payload.traces(body, protobuf: true)
        outcome = "\(mapped.calls.count) calls"
      } catch {
        outcome = "refused: \(error.status) \(error.message)"
      }
    }
    print("\(outcome) in \(formatFixed((seconds() - began) * 1000, digits: 1)) ms")
  }
}
