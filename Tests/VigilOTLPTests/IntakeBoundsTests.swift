import Foundation
import SwiftProtobuf
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilOTLP

/// What one request may cost: bombs of empty attributes, spans, events or JSON values are refused
/// before they are decoded, with a 413 that names the bound, and quickly; the memory budget all
/// requests share refuses what does not fit.
@Suite struct IntakeBoundsTests {
  static func bomb(spans: Int, attributes: Int, events: Int = 0) -> [UInt8] {
    OTLPWire.export(spans: spans, attributes: attributes, events: events)
  }

  static func refusal(_ body: () throws(PayloadError) -> Void) -> (PayloadError?, Duration) {
    let start = ContinuousClock.now
    do {
      try body()
      return (nil, ContinuousClock.now - start)
    } catch {
      return (error, ContinuousClock.now - start)
    }
  }

  /// The issue's bomb: 30 million empty attributes, 57 KB as gzip, once cost 2.4 GB and 13 s.
  @Test func theIssuesAttributeBombIsRefusedAtOnce() throws {
    let gz = try Gzip.compress(Self.bomb(spans: 1, attributes: 30_000_000))
    #expect(gz.count < 100_000)
    let (error, took) = Self.refusal { () throws(PayloadError) in
      _ = try Payload.traces(try Payload.decoded(gz, contentEncoding: "gzip"), protobuf: true)
    }
    #expect(error == PayloadError(413, "the body inflates beyond 32 MiB"))
    #expect(took < .seconds(5))
  }

  @Test func aBombUnderTheInflatedBoundIsRefusedByItsAttributeCounts() throws {
    let limits = IntakeLimits()
    let perSpan = Self.refusal { () throws(PayloadError) in
      _ = try Payload.traces(Self.bomb(spans: 1, attributes: 5_000_000), protobuf: true)
    }
    #expect(
      perSpan.0
        == PayloadError(413, "a span or log record has more than \(limits.maxAttributesPerItem) attributes"))
    #expect(perSpan.1 < .seconds(5))
    let total = Self.refusal { () throws(PayloadError) in
      _ = try Payload.traces(Self.bomb(spans: 200, attributes: 3_000), protobuf: true)
    }
    #expect(total.0 == PayloadError(413, "the export has more than \(limits.maxAttributes) attributes"))
    let spans = Self.refusal { () throws(PayloadError) in
      _ = try Payload.traces(Self.bomb(spans: 60_000, attributes: 0), protobuf: true)
    }
    #expect(spans.0 == PayloadError(413, "the export has more than \(limits.maxItems) spans or log records"))
  }

  /// Empty events are counted by what decoding them would cost, taken from the budget.
  @Test func aBombOfEventsCostsMoreThanTheBudgetAndIsA413() {
    let budget = IntakeBudget(capacity: 64 << 20)
    let reservation = IntakeReservation(budget)
    defer { reservation.release() }
    let (error, _) = Self.refusal { () throws(PayloadError) in
      _ = try Payload.traces(
        Self.bomb(spans: 1, attributes: 0, events: 1_000_000), protobuf: true, reservation: reservation)
    }
    #expect(error?.status == 413)
    #expect(error?.message.contains("more than intake's 64 MiB") == true, "\(String(describing: error))")
    #expect(budget.inUse == 0 || reservation.held == budget.inUse)
  }

  @Test func aJSONBombOfEmptyObjectsIsRefusedByItsValueCount() {
    let values = IntakeLimits().maxJSONValues
    let attributes = Array(repeating: "{}", count: values + 1).joined(separator: ",")
    let body = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[\#(attributes)]}]}]}]}"#
    let (error, took) = Self.refusal { () throws(PayloadError) in
      _ = try Payload.traces(Array(body.utf8), protobuf: false)
    }
    #expect(error == PayloadError(413, "the JSON body has more than \(values) values"))
    #expect(took < .seconds(5))
  }

  /// The issue's LiteLLM bomb: an array of numbers, 59 KB as gzip, once cost 3.9 GB.
  @Test func aLiteLLMBombIsRefusedByItsValueOrPayloadCount() throws {
    let limits = IntakeLimits()
    let numbers = "[" + Array(repeating: "0", count: 2_000_000).joined(separator: ",") + "]"
    let gz = try Gzip.compress(Array(numbers.utf8))
    #expect(gz.count < 100_000)
    let (error, took) = Self.refusal { () throws(PayloadError) in
      _ = try LiteLLMCalls.calls(
        try Payload.decoded(gz, contentEncoding: "gzip"), limits: limits, reservation: nil)
    }
    #expect(error == PayloadError(413, "the JSON body has more than \(limits.maxJSONValues) values"))
    #expect(took < .seconds(5))
    let objects = "[" + Array(repeating: "{}", count: limits.maxItems + 1).joined(separator: ",") + "]"
    let (many, _) = Self.refusal { () throws(PayloadError) in
      _ = try LiteLLMCalls.calls(Array(objects.utf8), limits: limits, reservation: nil)
    }
    #expect(many == PayloadError(413, "the body has more than \(limits.maxItems) LiteLLM payloads"))
  }

  /// The budget is shared: what one request holds, another cannot take until it is given back.
  @Test func theBudgetRefusesWhatDoesNotFitAndIsGivenBackWhole() throws {
    let budget = IntakeBudget(capacity: 100 << 20)
    let first = IntakeReservation(budget)
    try first.add(60 << 20, for: "decode")
    let second = IntakeReservation(budget)
    #expect(throws: PayloadError.self) { try second.add(50 << 20, for: "decode") }
    do {
      try second.add(50 << 20, for: "decode")
    } catch {
      #expect(error.status == 503 && error.message.contains("retry shortly"))
    }
    #expect(throws: PayloadError(413, "the request would take 101 MiB to decode, more than intake's 100 MiB"))
    {
      try second.add(101 << 20, for: "decode")
    }
    first.release()
    try second.add(50 << 20, for: "decode")
    #expect(budget.inUse == 50 << 20)
    second.release()
    #expect(budget.inUse == 0)
  }

  /// An ordinary export is decoded as before, and what it took is counted.
  @Test func anOrdinaryExportFitsAndIsCounted() throws {
    let budget = IntakeBudget()
    let reservation = IntakeReservation(budget)
    let out = try Payload.traces(try PayloadTests.export(), protobuf: true, reservation: reservation)
    #expect(out.calls.count == 1)
    #expect(reservation.held > 0 && reservation.held < 1 << 20)
    reservation.release()
    #expect(budget.inUse == 0)
  }
}
