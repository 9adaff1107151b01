import Testing
import VigilCore
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

  /// Streams on /metrics: by outcome, failures by class, the time to first token and the streamed
  /// latency as histograms; the failed stream is also an attempt with code 200 and its class.
  @Test func streamsFailuresAndTheFirstTokenAreExposed() throws {
    let state = ServerState()
    var batch = IngestBatch(source: "app.log")
    let parser = CallLogParser()
    for line in [
      #"{"ts":1795600800,"status":200,"provider":"anthropic","model":"m","latency_ms":40000,"stream":true,"ttft_ms":450,"stream_outcome":"completed"}"#,
      #"{"ts":1795600801,"status":200,"provider":"anthropic","model":"m","latency_ms":900,"stream":true,"ttft_ms":3000,"stream_outcome":"error_event","stream_error_type":"overloaded_error"}"#,
      #"{"ts":1795600802,"status":200,"provider":"anthropic","model":"m","latency_ms":2000}"#,
    ] {
      try batch.add(try parser.parse(line))
    }
    state.intake.stored(batch, door: "file")
    let page = MetricsPage.render(state: state, outbox: [:])
    let dims = #"provider="anthropic",model="m",app="",env="",endpoint="""#
    for sample in [
      #"vigil_streams_total{\#(dims),outcome="completed"} 1"#,
      #"vigil_streams_total{\#(dims),outcome="error_event"} 1"#,
      #"vigil_stream_failures_total{\#(dims),class="capacity"} 1"#,
      #"vigil_attempts_total{\#(dims),code="200",class="capacity"} 1"#,
      #"vigil_time_to_first_token_seconds_bucket{\#(dims),le="0.5"} 1"#,
      #"vigil_time_to_first_token_seconds_bucket{\#(dims),le="5"} 2"#,
      #"vigil_time_to_first_token_seconds_count{\#(dims)} 2"#,
      #"vigil_streamed_attempt_latency_seconds_bucket{\#(dims),le="1"} 1"#,
      #"vigil_streamed_attempt_latency_seconds_count{\#(dims)} 2"#,
      #"vigil_attempt_latency_seconds_count{\#(dims)} 3"#,
    ] {
      #expect(page.contains(sample), "\(sample)")
    }
  }
}
