import SwiftProtobuf
import Testing
import VigilCore

@testable import VigilOTLP

/// The intake's fuzz targets' entry points (scripts/fuzz-targets/OTLPTraces.swift, OTLPLogs.swift,
/// LiteLLM.swift, IntakeRaw.swift), driven by seeded random bytes for a bounded number of inputs:
/// structured exports and LiteLLM payloads built from the bytes and damaged, and raw bytes as
/// every kind of body. Nothing traps; every call that comes out passes the validation seam.
@Suite struct IntakeFuzzTests {
  static func inputs(seed: UInt64, count: Int, maxLength: Int = 600) -> [[UInt8]] {
    var r = SeededRandom(seed: seed)
    return (0..<count).map { _ in
      (0..<Int.random(in: 0...maxLength, using: &r)).map { _ in UInt8.random(in: 0...255, using: &r) }
    }
  }

  @Test func builtTracesExportsDamagedNeverTrap() {
    for input in Self.inputs(seed: 20, count: 1_500) { IntakeFuzz.traces(input) }
  }

  @Test func builtLogsExportsDamagedNeverTrap() {
    for input in Self.inputs(seed: 21, count: 1_000) { IntakeFuzz.logs(input) }
  }

  @Test func builtLiteLLMPayloadsDamagedNeverTrap() {
    for input in Self.inputs(seed: 22, count: 1_500) { IntakeFuzz.litellm(input) }
  }

  @Test func rawBytesAsEveryKindOfBodyNeverTrap() {
    for input in Self.inputs(seed: 23, count: 1_500, maxLength: 300) { IntakeFuzz.raw(input) }
  }

  /// The built requests reach calls, not only refusals: the generator makes real GenAI exports.
  @Test func builtExportsBecomeCalls() throws {
    var calls = 0
    for input in Self.inputs(seed: 24, count: 300) {
      var c = IntakeFuzz.Choices(input)
      let protobuf = c.chance(5)
      let request = IntakeFuzz.traces(&c)
      let body: [UInt8] = try protobuf ? request.serializedBytes() : request.jsonUTF8Bytes()
      if let mapped = try? Payload.traces(body, protobuf: protobuf) { calls += mapped.calls.count }
    }
    #expect(calls > 50)
  }
}
