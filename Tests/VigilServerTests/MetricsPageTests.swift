import Testing
import VigilStore

@testable import VigilServer

@Suite struct MetricsPageTests {
  @Test func failedWritesAndHeldLinesAreExposed() {
    let state = ServerState()
    var page = MetricsPage.render(state: state, outbox: [:])
    #expect(page.contains(#"vigil_ingest_write_failures_total{source="file"} 0"#))
    #expect(page.contains(#"vigil_ingest_held_lines{source="file"} 0"#))
    state.intake.writeFailed(door: "file", heldLines: 240)
    state.intake.writeFailed(door: "file", heldLines: 240)
    page = MetricsPage.render(state: state, outbox: [:])
    #expect(page.contains(#"vigil_ingest_write_failures_total{source="file"} 2"#))
    #expect(page.contains(#"vigil_ingest_held_lines{source="file"} 240"#))
    // A batch stored through the door: nothing is held any more.
    state.intake.stored(IngestBatch(source: "app.log"), door: "file")
    page = MetricsPage.render(state: state, outbox: [:])
    #expect(page.contains(#"vigil_ingest_held_lines{source="file"} 0"#))
    #expect(page.contains(#"vigil_ingest_write_failures_total{source="file"} 2"#))
  }
}
