import Testing

@testable import VigilCore

@Suite struct RetryAfterTests {
  /// 1994-11-06T08:49:37Z, the date of RFC 9110's examples.
  static let example: Int64 = 784_111_777_000

  @Test(arguments: [
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
    "  Sun, 06 Nov 1994 08:49:37 GMT ",
  ])
  func theThreeHTTPDateForms(text: String) {
    #expect(RetryAfter.parse(text, nowMs: Self.example - 90_000) == 90_000)
    // A date in the past: no wait.
    #expect(RetryAfter.parse(text, nowMs: Self.example + 5000) == 0)
  }

  @Test(arguments: [
    "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
    "Sun, 06 Foo 1994 08:49:37 GMT", "06 Nov 1994", "Sun, 06 Nov 1994 08:49 GMT", "tomorrow", "1.5", "-3",
  ])
  func notADate(text: String) {
    #expect(RetryAfter.parse(text, nowMs: Self.example) == nil)
  }

  @Test func farFutureDatesAreHeldToAYear() {
    #expect(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", nowMs: Self.example) == RetryAfter.maxMs)
  }
}
