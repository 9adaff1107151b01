// libFuzzer target: one call-log line through the parser, and what it accepts through the
// rollup and /metrics sums. Built by scripts/fuzz together with Sources/VigilCore.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCallLog(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  let parser = CallLogParser()
  var batch = CallBatch()
  guard (try? parser.parse(UnsafeRawBufferPointer(start: data, count: count), into: &batch)) != nil else {
    return 0
  }
  var rollup = Rollup()
  for row in batch.rows {
    precondition(row.promptTokens >= 0 && row.promptTokens <= CallLimits.maxTokens)
    precondition(row.completionTokens >= 0 && row.completionTokens <= CallLimits.maxTokens)
    precondition(row.outputTokensPartial >= 0 && row.outputTokensPartial <= CallLimits.maxTokens)
    precondition(!row.flags.contains(.ttft) || (row.ttftMs > 0 && row.ttftMs <= CallLimits.maxLatencyMs))
    precondition(row.streamOutcome == 0 || StreamOutcome(code: row.streamOutcome) != nil)
    // What was accepted comes back whole from its canonical line (the intake spool's form).
    let record = batch.record(at: 0)
    precondition((try? parser.parse(record.line)) == record)
    rollup.add(row)
    rollup.merge(rollup)
  }
  var metrics = CallMetrics()
  metrics.add(batch)
  _ = rollup.latency.quantile(0.99)
  return 0
}
