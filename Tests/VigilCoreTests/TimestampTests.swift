import Testing

@testable import VigilCore

@Suite struct TimestampTests {
  @Test func roundTripsAcrossTheCalendar() {
    for ms: Int64 in [0, 1, 999, 951_782_400_000, 1_764_077_524_250, 4_107_542_400_000, Timestamp.maxMs] {
      let text = Timestamp.formatRFC3339(ms)
      #expect(Timestamp.parseRFC3339(text) == ms, "\(text)")
    }
    #expect(Timestamp.formatRFC3339(1_795_613_524_250) == "2026-11-25T13:32:04.250Z")
    #expect(Timestamp.parseRFC3339("2024-02-29T00:00:00Z") != nil)
    #expect(Timestamp.parseRFC3339("2023-02-29T00:00:00Z") == nil)
    #expect(Timestamp.parseRFC3339("2026-11-25T24:00:00Z") == nil)
    #expect(Timestamp.parseRFC3339("2026-11-25T13:32:04Zjunk") == nil)
    #expect(Timestamp.parseRFC3339("2026-11-25T13:32:04.Z") == nil)
  }
}
