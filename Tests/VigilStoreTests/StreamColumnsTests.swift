import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// Schema 13 keeps the stream fields most streams carry in columns (StreamColumns) instead of
/// `detail`: what `call_log` and the reports read must be what they read from the JSON before.
@Suite struct StreamColumnsTests {
  @Test func everyPackedStreamValueUnpacksToWhatWentIn() {
    for said in [false, true] {
      for stream in [false, true] where said || !stream {
        for outcome in UInt8(0)...UInt8(StreamOutcome.allCases.count) {
          let packed = StreamColumns.packed(said: said, stream: stream, outcome: outcome)
          #expect((packed == nil) == (!said && outcome == 0))
          guard let packed else { continue }
          #expect(packed > 0 && packed <= 22)
          let back = StreamColumns.unpacked(packed)
          #expect(back?.said == said && back?.stream == stream && back?.outcome == outcome)
          // The view's reading of the column is the packing's.
          let outcomeName = StreamOutcome(code: outcome)?.rawValue
          #expect(
            StreamColumns.outcomeName("c.stream").contains("WHEN \(outcome) THEN") == (outcomeName != nil))
        }
      }
    }
    #expect(
      StreamColumns.unpacked(0) == nil && StreamColumns.unpacked(3) == nil
        && StreamColumns.unpacked(24) == nil)
  }

  /// Random stream fields in, through the store, out of `call_log`: each value and its SQL type
  /// are what SQLite gives from the `detail` JSON that schema 12 wrote for the same call.
  @Test func randomStreamFieldsReadBackAsTheJSONDetailGaveThem() throws {
    var random = SeededRandom(seed: 13)
    func duration(positive: Bool) -> Double? {
      switch Int.random(in: 0..<5, using: &random) {
      case 0: return nil
      case 1: return Double(Int.random(in: positive ? 1...600_000 : 0...600_000, using: &random))
      case 2: return Double(Int.random(in: 1...6_000_000, using: &random)) / 10
      case 3: return Double.random(in: 0.001...600_000, using: &random)
      default: return [0.5, 1e-3, 123_456.789, 86_400_000, 3.0e-2].randomElement(using: &random)
      }
    }
    var records: [CallRecord] = []
    for k in 0..<600 {
      var r = CallRecord(
        timestampMs: 1_795_600_800_000 + Int64(k) * 37,
        status: [200, 200, 200, 429, 0].randomElement(using: &random)!,
        provider: ["openai", "anthropic"].randomElement(using: &random)!, latencyMs: 900)
      let said = [nil, true, false].randomElement(using: &random)!
      r.stream = said
      if said != false {
        r.ttftMs = duration(positive: true)
        r.maxChunkGapMs = duration(positive: false)
        r.streamOutcome = ([nil] + StreamOutcome.allCases.map(Optional.some)).randomElement(using: &random)!
        if let outcome = r.streamOutcome, outcome.isFailure {
          r.streamErrorType = ["overloaded_error", "api_error", nil].randomElement(using: &random)!
          r.errorAfterMs = duration(positive: false)
          r.outputTokensPartial =
            Bool.random(using: &random) ? Int64.random(in: 0...500, using: &random) : nil
        }
      }
      if r.status == 429 { r.errorType = "rate_limit_error" }
      records.append(r)
    }
    let fields = [
      "stream", "ttft_ms", "stream_outcome", "stream_error_type", "error_after_ms",
      "output_tokens_partial", "max_chunk_gap_ms", "error_type",
    ]
    for encodeFirst in [false, true] {
      let dir = TemporaryDirectory()
      let store = try Store(path: dir.file("v.db"))
      for part in stride(from: 0, to: records.count, by: 150) {
        var batch = IngestBatch(source: "app.log")
        for r in records[part..<part + 150] { try batch.add(r) }
        if encodeFirst { batch.encodeDetails() }
        try store.write(batch)
      }
      let view = try store.connection.prepare(
        "SELECT " + fields.map { "\($0), typeof(\($0))" }.joined(separator: ", ")
          + " FROM call_log ORDER BY id")
      let json = try store.connection.prepare(
        "SELECT " + fields.map { "?1 ->> '$.\($0)', typeof(?1 ->> '$.\($0)')" }.joined(separator: ", "))
      for r in records {
        #expect(try view.step())
        try json.bind([.text(Self.schema12Detail(r))])
        #expect(try json.step())
        for c in 0..<Int32(fields.count * 2) {
          #expect(view.text(c) == json.text(c), "\(fields[Int(c) / 2]) of \(r)")
          #expect(view.double(c) == json.double(c), "\(fields[Int(c) / 2]) of \(r)")
        }
        json.reset()
      }
      #expect(try !view.step())
    }
  }

  /// A database of schema 12 (stream fields in `detail`) migrates: its calls read as before
  /// through `call_log` and the report's failed-streams table, beside calls stored since.
  @Test func aSchemaTwelveDatabaseReadsItsOldStreamsBesideNewOnes() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("v12.db")
    var old = CallRecord(timestampMs: 1_000, status: 200, provider: "anthropic", model: "claude")
    old.stream = true
    old.ttftMs = 412.5
    old.streamOutcome = .errorEvent
    old.streamErrorType = "overloaded_error"
    old.maxChunkGapMs = 950
    do {
      let c = try SQLiteConnection(path: path, busyTimeoutMs: 1000)
      for step in 0..<12 { try c.execute(Store.migrations[step]) }
      try c.execute(
        """
        INSERT INTO series(id, provider, model, app, env, endpoint) VALUES (1, 'anthropic', 'claude', '', '', '');
        INSERT INTO sources(id, name) VALUES (1, 'old.log');
        INSERT INTO chunks(first_call, last_call, min_ts, max_ts, source) VALUES (1, 1, 1000, 1000, 1);
        PRAGMA user_version=12;
        """)
      let call = try c.prepare(
        "INSERT INTO calls(id, ts, series, status, attempt, exhausted, detail) VALUES (1, 1000, 1, 200, 1, 0, ?)"
      )
      try call.bind([.text(Self.schema12Detail(old))])
      try call.run()
    }
    let store = try Store(path: path)
    #expect(try store.connection.scalar("PRAGMA user_version") == Int64(Store.schemaVersion))
    var new = old
    new.timestampMs = 2_000
    var batch = IngestBatch(source: "new.log")
    try batch.add(new)
    try store.write(batch)
    let s = try store.connection.prepare(
      "SELECT stream, ttft_ms, stream_outcome, stream_error_type, max_chunk_gap_ms, source FROM call_log ORDER BY id"
    )
    for source in ["old.log", "new.log"] {
      #expect(try s.step())
      #expect(s.int64(0) == 1 && s.double(1) == 412.5 && s.text(2) == "error_event")
      #expect(s.text(3) == "overloaded_error" && s.double(4) == 950 && s.text(5) == source)
    }
    let failures = try store.streamFailureTypes(fromMs: 0, toMs: 10_000)
    #expect(
      failures.counts == [
        StreamFailureCount(
          provider: "anthropic", model: "claude", outcome: "error_event", type: "overloaded_error", count: 2)
      ] && failures.complete)
  }

  /// The `detail` JSON schema 12 wrote for a call's stream fields and error type (the reference
  /// the columns are read against).
  static func schema12Detail(_ r: CallRecord) -> String {
    var parts: [String] = []
    if let v = r.errorType { parts.append("\"error_type\":\(JSONText.quote(v))") }
    if let v = r.stream { parts.append("\"stream\":\(v)") }
    if let v = r.ttftMs { parts.append("\"ttft_ms\":\(JSONText.number(v))") }
    if let v = r.streamOutcome { parts.append("\"stream_outcome\":\"\(v.rawValue)\"") }
    if let v = r.streamErrorType { parts.append("\"stream_error_type\":\(JSONText.quote(v))") }
    if let v = r.errorAfterMs { parts.append("\"error_after_ms\":\(JSONText.number(v))") }
    if let v = r.outputTokensPartial { parts.append("\"output_tokens_partial\":\(v)") }
    if let v = r.maxChunkGapMs { parts.append("\"max_chunk_gap_ms\":\(JSONText.number(v))") }
    return "{" + parts.joined(separator: ",") + "}"
  }
}
