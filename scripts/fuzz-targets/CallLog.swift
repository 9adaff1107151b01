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
    rollup.add(row)
    rollup.merge(rollup)
  }
  var metrics = CallMetrics()
  metrics.add(batch)
  _ = rollup.latency.quantile(0.99)
  return 0
}
