import Testing

@testable import VigilCore

@Suite struct SourceNameTests {
  @Test(arguments: [
    ("/var/log/app.jsonl", "/var/log/app.jsonl"), ("/var/log/app.jsonl.1", "/var/log/app.jsonl"),
    ("/var/log/app.jsonl.12.gz", "/var/log/app.jsonl"), ("/var/log/app.jsonl.gz", "/var/log/app.jsonl"),
    ("/var/log/app.jsonl-20261125", "/var/log/app.jsonl"),
    ("/var/log/app.jsonl-20261125.gz", "/var/log/app.jsonl"),
    ("/var/log/app.jsonl-2026112513", "/var/log/app.jsonl"), ("udp:127.0.0.1:9515", "udp:127.0.0.1:9515"),
    ("-", "-"), ("/var/log/v2.5", "/var/log/v2"),
  ])
  func rotatedCopiesBelongToTheirLog(name: String, family: String) {
    #expect(SourceName.family(name) == family)
  }
}
