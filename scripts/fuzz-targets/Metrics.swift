// libFuzzer target: rollups and metric values from bytes nobody vouches for (a damaged or
// hand-edited store; metrics computed on the contract's extremes). The bytes are decoded as the
// store decodes a rollup's histogram, status counts and rate-limit fits, their 8-byte words read
// as counts, the rollup merged with itself, and every metric kind's value of it formatted; then
// each word as a Double value or threshold of every kind, and as Int64 milliseconds. Nothing may
// trap, and every value has a text.

let kinds: [MetricKind] =
  [
    .errorRate, .rate429, .rate5xx, .retryExhaustionRate, .authFailureRate, .latencyQuantile(0.5),
    .latencyQuantile(0.999), .requestCount, .logicalRequestCount, .errorCount, .authFailures,
    .timeSinceLastCall, .sourceTimeSinceLastCall, .burnRate, .rateLimitUtilisation,
  ] + StatusClass.allCases.flatMap { [MetricKind.classRate($0), .classCount($0)] }
  + RateLimitHorizon.allCases.map { MetricKind.rateLimitExhaustion($0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: data, count: count)
  let words = (0..<count / 8).map { bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) }
  var r = Rollup()
  r.latency.merge(encoded: bytes)
  r.codes.merge(encoded: bytes)
  if count >= 160, let fits = RateLimits(encoded: bytes.prefix(160)) { r.rateLimits = fits }
  let fields: [WritableKeyPath<Rollup, Int64>] = [
    \.attempts, \.requests, \.errors, \.status429, \.status5xx, \.auth, \.exhausted, \.unavailable,
    \.promptTokens, \.completionTokens, \.failedTokens, \.retryTokens,
  ]
  for (field, w) in zip(fields, words) { r[keyPath: field] = Int64(bitPattern: w) }
  var merged = r
  merged.merge(r)
  _ = merged.rateLimits.encoded()
  _ = merged.codes.encoded()
  _ = merged.latency.encoded()
  for kind in kinds { precondition(!kind.format(kind.value(of: merged)).isEmpty) }
  for w in words {
    let v = Double(bitPattern: w)
    for kind in kinds { precondition(!kind.format(v).isEmpty) }
    _ = formatFixed(v, digits: 2)
    _ = DurationText.format(Int64(bitPattern: w))
    _ = Timestamp.formatRFC3339(Int64(bitPattern: w))
    _ = merged.latency.quantile(v)
  }
  return 0
}
