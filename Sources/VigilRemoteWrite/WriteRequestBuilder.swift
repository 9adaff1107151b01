import SwiftProtobuf
import VigilCore

/// One remote-write request: the totals' series at successive steps, each series once with its
/// samples in time order, labels sorted by name (as the protocol requires), empty labels left
/// out (an empty value means absent in Prometheus), the external labels on every series.
package struct WriteRequestBuilder {
  let external: [(String, String)]
  var index: [String: Int] = [:]
  package private(set) var request = Prometheus_WriteRequest()
  package private(set) var sampleCount = 0

  package init(externalLabels: [(String, String)]) { external = externalLabels }

  /// The snappy-compressed protobuf body.
  package func body() throws -> [UInt8] { Snappy.compress(try request.serializedBytes()) }

  /// Every series of `totals` as it stands at `t` (ms).
  package mutating func add(_ totals: RemoteWriteTotals, atMs t: Int64) {
    for (key, s) in totals.series.sorted(by: { $0.key < $1.key }) {
      let parts = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 5 else { continue }
      let dims = zip(["provider", "model", "app", "env", "endpoint"], parts).map { ($0, $1) }
      for (codeClass, n) in s.attempts.sorted(by: { $0.key < $1.key }) {
        let pair = codeClass.split(separator: "/", maxSplits: 1).map(String.init)
        guard pair.count == 2 else { continue }
        sample("vigil_attempts_total", dims + [("code", pair[0]), ("class", pair[1])], n, t)
      }
      sample("vigil_requests_total", dims, s.requests, t)
      sample("vigil_retries_exhausted_total", dims, s.exhausted, t)
      sample("vigil_unavailable_requests_total", dims, s.unavailable, t)
      sample("vigil_cancelled_requests_total", dims, s.cancelled, t)
      sample("vigil_tokens_total", dims + [("kind", "prompt")], s.promptTokens, t)
      sample("vigil_tokens_total", dims + [("kind", "completion")], s.completionTokens, t)
      histogram("vigil_attempt_latency_seconds", dims, s.latency, t)
      histogram("vigil_time_to_first_token_seconds", dims, s.ttft, t)
      histogram("vigil_streamed_attempt_latency_seconds", dims, s.streamLatency, t)
      for (outcome, n) in s.streams.sorted(by: { $0.key < $1.key }) {
        sample("vigil_streams_total", dims + [("outcome", outcome)], n, t)
      }
      for (c, n) in s.streamFailures.sorted(by: { $0.key < $1.key }) {
        sample("vigil_stream_failures_total", dims + [("class", c)], n, t)
      }
      if let last = s.lastCallMs { sample("vigil_last_call_timestamp_seconds", dims, Double(last) / 1000, t) }
    }
  }

  mutating func histogram(_ name: String, _ dims: [(String, String)], _ b: ClassicBuckets, _ t: Int64) {
    guard b.count > 0 else { return }
    var cumulative: Double = 0
    for (i, bound) in CallMetrics.latencyBounds.enumerated() {
      cumulative += b.counts[i]
      sample("\(name)_bucket", dims + [("le", PrometheusText.number(bound))], cumulative, t)
    }
    sample("\(name)_bucket", dims + [("le", "+Inf")], b.count, t)
    sample("\(name)_sum", dims, b.sumSeconds, t)
    sample("\(name)_count", dims, b.count, t)
  }

  mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double, _ t: Int64) {
    var all = [("__name__", name)] + labels.filter { !$0.1.isEmpty } + external
    all.sort { $0.0 < $1.0 }
    let key = all.map { "\($0.0)\u{1E}\($0.1)" }.joined(separator: "\u{1F}")
    var point = Prometheus_Sample()
    point.value = value
    point.timestamp = t
    if let i = index[key] {
      request.timeseries[i].samples.append(point)
    } else {
      var series = Prometheus_TimeSeries()
      series.labels = all.map { name, value in
        var l = Prometheus_Label()
        l.name = name
        l.value = value
        return l
      }
      series.samples = [point]
      index[key] = request.timeseries.count
      request.timeseries.append(series)
    }
    sampleCount += 1
  }
}
