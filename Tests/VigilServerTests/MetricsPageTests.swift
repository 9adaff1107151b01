import Testing

@testable import VigilServer

@Suite struct MetricsPageTests {
  @Test func failedWritesAndHeldLinesAreExposed() {
    let state = ServerState()
    var page = MetricsPage.render(state: state, outbox: [:])
    #expect(page.contains(#"vigil_ingest_write_failures_total{source="file"} 0"#))
    #expect(page.contains(#"vigil_ingest_held_lines{source="file"} 0"#))
    state.writeFailed(source: "file", heldLines: 240)
    state.writeFailed(source: "file", heldLines: 240)
    page = MetricsPage.render(state: state, outbox: [:])
    #expect(page.contains(#"vigil_ingest_write_failures_total{source="file"} 2"#))
    #expect(page.contains(#"vigil_ingest_held_lines{source="file"} 240"#))
    state.held(lines: 0, source: "file")
    page = MetricsPage.render(state: state, outbox: [:])
    #expect(page.contains(#"vigil_ingest_held_lines{source="file"} 0"#))
    #expect(page.contains(#"vigil_ingest_write_failures_total{source="file"} 2"#))
  }
}
