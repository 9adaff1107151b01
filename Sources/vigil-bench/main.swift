import VigilConfig
// Benchmark helper for scripts/bench (not part of the vigil command):
//   vigil-bench seed DB CALLS RATE       writes CALLS synthetic calls at RATE calls/s of event time
//   vigil-bench eval DB RULES RUNS       times evaluating RULES at the last instant, beside exact SQL
//   vigil-bench parts DB RULES RUNS      times each read an evaluation makes, for profiling
//   vigil-bench live DB RULES STEPS RATE  times evaluations 15 s apart with new calls between
//   vigil-bench otlp PORT SPANS BATCH CONNECTIONS   posts GenAI spans to serve's OTLP receiver
//   vigil-bench decode traces|litellm FILE [unbounded]   what one intake request costs (time -v)
import VigilCore
import VigilStore

#if canImport(Glibc)
  import Glibc
#endif

func seconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

/// A deterministic generator.
struct Rng {
  var state: UInt64 = 0x1234_5678
  mutating func next() -> UInt64 {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return state >> 11
  }
  mutating func unit() -> Double { Double(next() & ((1 << 53) - 1)) / Double(1 << 53) }
}

/// The synthetic traffic of `seed` and `live`: three providers, seven models, 3% 429s, 1% 503s.
struct Traffic {
  static let providers = [
    ("openai", ["gpt-4o", "gpt-4o-mini", "o3-mini"]), ("anthropic", ["claude-sonnet", "claude-haiku"]),
    ("google", ["gemini-pro", "gemini-flash"]),
  ]
  var rng = Rng()

  mutating func call(at timestampMs: Int64) -> CallRecord {
    let p = Self.providers[Int(rng.next() % 3)]
    let u = rng.unit()
    let status = u < 0.03 ? 429 : u < 0.04 ? 503 : u < 0.045 ? 400 : 200
    let latency = exp(6.7 + 0.8 * sqrt(-2 * log(max(rng.unit(), 1e-12))) * cos(2 * .pi * rng.unit()))
    return CallRecord(
      timestampMs: timestampMs, status: status, provider: p.0,
      model: p.1[Int(rng.next() % UInt64(p.1.count))], latencyMs: latency, retriesExhausted: u < 0.002)
  }
}

func seed(_ db: String, _ calls: Int, _ rate: Double) throws {
  let store = try Store(path: db)
  var traffic = Traffic()
  let start: Int64 = 1_795_000_000_000
  var batch = IngestBatch(source: "seed")
  let began = seconds()
  for i in 0..<calls {
    try batch.add(traffic.call(at: start + Int64(Double(i) / rate * 1000)))
    if batch.calls.count == 50_000 {
      try store.write(batch)
      batch = IngestBatch(source: "seed")
    }
  }
  try store.write(batch)
  print("seeded \(calls) calls in \(formatFixed(seconds() - began, digits: 1)) s")
}

/// The CPU time of this thread, in seconds: what an evaluation costs, whatever else the machine
/// runs beside it.
func threadCPUSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// As serve runs: every step, 15 s of new calls at RATE calls/s are written (in batches of 1 s, as
/// a tailer commits them, the last second's arriving a little late), then the rules are evaluated
/// 15 s later with the states of the evaluation before. Times the evaluations only, by wall clock
/// and by this thread's CPU time. The database grows: run it on a copy.
func live(_ db: String, _ rulesPath: String, _ steps: Int, _ rate: Double) throws {
  let store = try Store(path: db)
  let rules = try RulesLoader.load(path: rulesPath)
  guard let (_, last) = try store.bucketRange() else { fatalError("empty database") }
  var at = last + rollupBucketMs
  var states = try Evaluator.evaluate(rules, source: store, atMs: at, previous: [:]).states
  var traffic = Traffic()
  var next = Double(at)
  var wall: [Double] = []
  var cpu: [Double] = []
  var transitions = 0
  for _ in 0..<steps {
    for second in 0..<15 {
      var batch = IngestBatch(source: "live")
      let end = Double(at + Int64(second + 1) * 1000)
      while next < end {
        try batch.add(traffic.call(at: Int64(next)))
        next += 1000 / rate
      }
      try store.write(batch)
    }
    at += 15_000
    let (w0, c0) = (seconds(), threadCPUSeconds())
    let evaluation = try Evaluator.evaluate(rules, source: store, atMs: at, previous: states)
    wall.append((seconds() - w0) * 1000)
    cpu.append((threadCPUSeconds() - c0) * 1000)
    states = evaluation.states
    transitions += evaluation.transitions.count
  }
  print(
    "live evaluation, \(steps) steps of 15 s at \(formatFixed(rate, digits: 0)) calls/s: median \(formatFixed(median(wall), digits: 3)) ms wall, \(formatFixed(median(cpu), digits: 3)) ms CPU (\(transitions) transitions)"
  )
}

func evaluate(_ db: String, _ rulesPath: String, _ runs: Int) throws {
  let store = try Store(path: db)
  let rules = try RulesLoader.load(path: rulesPath)
  guard let (_, last) = try store.bucketRange() else { fatalError("empty database") }
  let at = last + rollupBucketMs
  // As the daemon does every 15 s: with the states of the evaluation before (once an incident's
  // alerts fired, evaluations find nothing new); and from no state, where every alert that holds
  // is a transition with its message (the budget over the period, the failures over a window).
  let settled = try Evaluator.evaluate(rules, source: store, atMs: at, previous: [:]).states
  var times: [Double] = []
  var firstTimes: [Double] = []
  var evaluation: Evaluation?
  // Each run in a store opened for it, as cron's `vigil check` evaluates: everything read from the
  // tables. (The same store again would answer from what it kept of the run before: serve's case,
  // which `live` measures with calls arriving between evaluations.)
  for _ in 0..<runs {
    let cold = try Store(path: db)
    let t0 = seconds()
    evaluation = try Evaluator.evaluate(rules, source: cold, atMs: at, previous: settled)
    times.append((seconds() - t0) * 1000)
  }
  // Separately: a run from no state reads hours of rollups for its messages, and interleaved it
  // would evict the caches the steady runs use.
  for _ in 0..<(getenv("VIGIL_BENCH_STEADY_ONLY") == nil ? max(runs / 10, 1) : 0) {
    let cold = try Store(path: db)
    let t0 = seconds()
    _ = try Evaluator.evaluate(rules, source: cold, atMs: at, previous: [:])
    firstTimes.append((seconds() - t0) * 1000)
  }
  // The same five metrics, exactly, from raw rows over the same 5-minute window.
  let from = RollupKey.bucket(of: at - 300_000)
  var exactTimes: [Double] = []
  var exactP99 = 0.0
  var rows: Int64 = 0
  for _ in 0..<(getenv("VIGIL_BENCH_NO_EXACT") == nil ? 5 : 0) {
    let t0 = seconds()
    let range = try store.connection.prepare(
      "SELECT min(first_call), max(last_call) FROM chunks WHERE max_ts >= ? AND min_ts < ?")
    try range.bind([.int(from), .int(at)])
    _ = try range.step()
    let (lo, hi) = (range.int64(0), range.int64(1))
    let q = try store.connection.prepare(
      """
      SELECT count(*), sum(status >= 400 OR status = 0), sum(status = 429), sum(status BETWEEN 500 AND 599),
        sum(exhausted), sum(attempt = 1) FROM calls WHERE id BETWEEN ? AND ? AND ts >= ? AND ts < ?
      """)
    try q.bind([.int(lo), .int(hi), .int(from), .int(at)])
    _ = try q.step()
    rows = q.int64(0)
    let p = try store.connection.prepare(
      "SELECT latency_ms FROM calls WHERE id BETWEEN ? AND ? AND ts >= ? AND ts < ? ORDER BY latency_ms LIMIT 1 OFFSET ?"
    )
    try p.bind([
      .int(lo), .int(hi), .int(from), .int(at), .int(Int64((0.99 * Double(rows)).rounded(.up)) - 1),
    ])
    _ = try p.step()
    exactP99 = p.double(0)
    exactTimes.append((seconds() - t0) * 1000)
  }
  var all = Rollup()
  for (_, r) in try store.rollups(fromMs: from, toMs: at) { all.merge(r) }
  let p99 = all.latency.quantile(0.99) ?? 0
  let burn = rules.rules.compactMap(\.burn)
  let longest = burn.flatMap(\.windows).max() ?? 0
  print(
    "rules evaluated: \(rules.rules.count) (\(burn.count) burn-rate, longest window \(DurationText.format(longest))), groups: \(evaluation?.groups.count ?? 0), calls in the 5m window: \(rows)"
  )
  print(
    "evaluation from rollups, a store opened for each: median \(formatFixed(median(times), digits: 3)) ms over \(runs) runs (\(evaluation?.transitions.count ?? 0) transitions)"
  )
  if !burn.isEmpty {
    var sloOnly = rules
    sloOnly.rules = rules.rules.filter { $0.burn != nil }
    var sloTimes: [Double] = []
    for _ in 0..<runs {
      let cold = try Store(path: db)
      let t0 = seconds()
      _ = try Evaluator.evaluate(sloOnly, source: cold, atMs: at, previous: settled)
      sloTimes.append((seconds() - t0) * 1000)
    }
    print("  of which the burn-rate rules alone: median \(formatFixed(median(sloTimes), digits: 3)) ms")
  }
  guard !firstTimes.isEmpty else { return }
  let firstTransitions = try Evaluator.evaluate(rules, source: store, atMs: at, previous: [:]).transitions
    .count
  print(
    "evaluation from no state (\(firstTransitions) transitions, each with its message's data): median \(formatFixed(median(firstTimes), digits: 3)) ms over \(firstTimes.count) runs"
  )
  guard !exactTimes.isEmpty else { return }
  print("exact SQL (5 metrics + P99 sort): median \(formatFixed(median(exactTimes), digits: 1)) ms")
  print(
    "P99 rollups \(formatFixed(p99, digits: 1)) ms vs exact \(formatFixed(exactP99, digits: 1)) ms: error \(formatFixed(abs(p99 - exactP99) / exactP99 * 100, digits: 3))%"
  )
}

let args = CommandLine.arguments
do {
  switch args.dropFirst().first {
  case "seed" where args.count == 5: try seed(args[2], Int(args[3])!, Double(args[4])!)
  case "eval" where args.count == 5: try evaluate(args[2], args[3], Int(args[4])!)
  case "parts" where args.count == 5: try parts(args[2], args[3], Int(args[4])!)
  case "live" where args.count == 6: try live(args[2], args[3], Int(args[4])!, Double(args[5])!)
  case "otlp" where args.count == 6:
    try OTLPLoad.run(
      port: Int(args[2])!, spans: Int(args[3])!, batch: Int(args[4])!, connections: Int(args[5])!)
  case "decode" where args.count == 4 || args.count == 5:
    try DecodeCost.run(kind: args[2], file: args[3], unbounded: args.count == 5 && args[4] == "unbounded")
  default:
    print(
      "usage: vigil-bench seed DB CALLS RATE | eval DB RULES RUNS | parts DB RULES RUNS | live DB RULES STEPS RATE | otlp PORT SPANS BATCH CONNECTIONS | decode traces|litellm FILE [unbounded]"
    )
    exit(2)
  }
} catch {
  print("vigil-bench: \(error)")
  exit(2)
}

func parts(_ db: String, _ rulesPath: String, _ runs: Int) throws {
  let store = try Store(path: db)
  let rules = try RulesLoader.load(path: rulesPath)
  guard let (_, last) = try store.bucketRange() else { fatalError("empty database") }
  let to = last + rollupBucketMs
  let starts = Array(
    Set(rules.rules.compactMap(\.burn).flatMap { $0.windows.map { Evaluator.burnStart(to, $0) } }))
  func time(_ name: String, _ body: () throws -> Void) rethrows {
    var ts: [Double] = []
    for _ in 0..<runs {
      let t0 = seconds()
      try body()
      ts.append((seconds() - t0) * 1000)
    }
    print("\(name): \(formatFixed(median(ts), digits: 3)) ms")
  }
  try time("rollupRows 5m") { _ = try store.rollupRows(fromMs: to - 300_000, toMs: to, latency: false) }
  try time("latencyWindows 5m") { _ = try store.latencyWindows(starts: [to - 300_000], toMs: to) }
  try time("requestCounts \(starts.count) windows") { _ = try store.requestCounts(starts: starts, toMs: to) }
  try time("requestActivity 1h") { _ = try store.requestActivity(fromMs: to - 3_600_000, toMs: to) }
  try time("sourceActivity 1h") { _ = try store.sourceActivity(fromMs: to - 3_600_000, toMs: to) }
  try time("histogramWindows ttft + stream_latency 5m") {
    _ = try store.histogramWindows(.ttft, starts: [to - 300_000], toMs: to)
    _ = try store.histogramWindows(.streamLatency, starts: [to - 300_000], toMs: to)
  }
  try time("rateLimitRows 1h") { _ = try store.rateLimitRows(fromMs: to - 3_600_000, toMs: to) }
  try time("firstRequests 3d") { _ = try store.firstRequests(fromMs: to - 3 * 86_400_000, toMs: to) }
  try time("requestCounts 30d") { _ = try store.requestCounts(starts: [to - 30 * 86_400_000], toMs: to) }
  try time("rollups 5m per series") { _ = try store.rollups(fromMs: to - 300_000, toMs: to, latency: false) }
  try time("rollups 2h per series") {
    _ = try store.rollups(fromMs: to - 7_200_000, toMs: to, latency: false)
  }
}
