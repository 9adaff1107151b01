import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import VigilConfig
import VigilCore
import VigilRemoteWrite
import VigilStore

/// Pushes the stored calls' metrics to one remote-write receiver: every interval the series as
/// they stand, computed from the rollups; after an outage or a restart, every step since the last
/// acknowledged one, in order, up to `max_backfill`. 5xx and 429 are retried with backoff (as
/// `Retry-After` asks, within 5 minutes); other refusals drop the samples with a count. It reads
/// with its own connection and writes only its progress: intake and evaluation never wait for it.
struct RemoteWriteService<Clock: VigilClock>: Service {
  let target: RemoteWriteTarget
  /// `Authorization` and the configured headers, secrets read from the environment (never logged).
  let headers: [(String, String)]
  let db: String
  let state: RemoteWriteState
  let logger: Logger
  let clock: Clock
  /// Samples per request at most (whole steps; one step may be more).
  var maxSamplesPerRequest = 20_000
  /// The longest wait between two tries without a `Retry-After` (Prometheus's own `max_backoff`):
  /// the central view is at most this late once the receiver is back. At a minute, rules there
  /// found no samples for up to a minute after an outage, resolving an incident still going on.
  static var maxBackoffMs: Int64 { 5_000 }

  var schedule: RemoteWriteSchedule {
    RemoteWriteSchedule(intervalMs: target.intervalMs, maxBackfillMs: target.maxBackfillMs)
  }

  func run() async throws {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.timeout.connect = .milliseconds(min(target.timeoutMs, 10_000))
    if let ca = target.caFile {
      var tls = TLSConfiguration.makeClientConfiguration()
      tls.trustRoots = .file(ca)
      configuration.tlsConfiguration = tls
    }
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
      try await push(with: http)
    } catch {
      logger.error("remote_write \(target.name): \(error)", metadata: ["receiver": "\(target.name)"])
    }
    try await http.shutdown()
  }

  func push(with http: HTTPClient) async throws {
    let store = try SerialStore(path: db, label: "vigil-remote-write")
    var (progress, wholeMs) = try await resume(store: store)
    var saidTooOld = false
    var failures = 0
    note { $0.ackedMs = progress.ackedMs }
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let now = clock.nowMs()
      let due = schedule.lastDueStep(nowMs: now)
      note { $0.lagMs = max(now - progress.ackedMs - schedule.settleMs, 0) }
      guard progress.ackedMs < due else {
        if failures == 0 { note { $0.state = "up" } }
        await sleep(untilMs: schedule.nextDueMs(after: progress.ackedMs))
        continue
      }
      // Steps too old to send are counted into the totals, so the counters go on without a jump.
      let oldest = schedule.oldestSentStep(nowMs: now)
      if progress.ackedMs < oldest - target.intervalMs {
        let skipped = try await skip(
          &progress, to: oldest - target.intervalMs, store: store, wholeMs: &wholeMs)
        logger.warning(
          "remote_write \(target.name): the receiver missed more than max_backfill (\(DurationText.format(target.maxBackfillMs))); \(skipped) samples before \(Timestamp.formatRFC3339(oldest)) are not sent",
          metadata: ["receiver": "\(target.name)", "skipped_samples": "\(skipped)"])
        continue
      }
      let (next, builder, throughMs) = try await batch(after: progress, through: due, store: store)
      if builder.sampleCount == 0 {
        progress = next
        try await save(progress, store: store, wholeMs: &wholeMs)
        continue
      }
      note { $0.state = throughMs < due ? "backfilling" : ($0.failuresInRow > 0 ? $0.state : "up") }
      // A shutdown does not wait for a slow receiver: the samples go again at the next start.
      let (reply, error) = await cancelWhenGracefulShutdown { await send(builder, http: http) }
      if Task.isShuttingDownGracefully || Task.isCancelled { break }
      switch reply {
      case .accepted:
        progress = next
        try await save(progress, store: store, wholeMs: &wholeMs)
        failures = 0
        let sentAt = clock.nowMs()
        note {
          $0.samples["sent", default: 0] += Int64(builder.sampleCount)
          $0.lastSuccessMs = sentAt
          $0.failuresInRow = 0
          $0.nextAttemptMs = nil
          $0.state = throughMs < due ? "backfilling" : "up"
        }
      case .retry(let afterMs):
        failures += 1
        let backoff = min(Int64(1000) << min(failures - 1, 6), Self.maxBackoffMs)
        let wait = max(afterMs ?? backoff, 100)
        let at = clock.nowMs() + wait
        note {
          $0.samples["retried", default: 0] += Int64(builder.sampleCount)
          $0.failuresInRow = failures
          $0.lastError = error
          $0.nextAttemptMs = at
          $0.state = failures >= 3 ? "failing" : "retrying"
        }
        if failures == 1 || failures % 10 == 0 {
          logger.warning(
            "remote_write \(target.name): \(error ?? "failed"); retrying in \(DurationText.format(wait))",
            metadata: ["receiver": "\(target.name)", "failures": "\(failures)"])
        }
        await sleep(untilMs: at)
      case .tooOld, .refused:
        // Retrying would be refused the same way: the samples are dropped, the push goes on.
        let tooOld = reply == .tooOld
        progress = next
        try await save(progress, store: store, wholeMs: &wholeMs)
        failures = 0
        note {
          $0.samples[tooOld ? "too_old" : "dropped", default: 0] += Int64(builder.sampleCount)
          $0.lastError = error
          $0.failuresInRow = 0
        }
        if !tooOld || !saidTooOld {
          logger.warning(
            tooOld
              ? "remote_write \(target.name): the receiver refuses samples as too old (\(error ?? "")); they are dropped and counted in vigil_remote_write_samples_total{result=\"too_old\"} (said once)"
              : "remote_write \(target.name): \(error ?? "refused"); \(builder.sampleCount) samples dropped",
            metadata: ["receiver": "\(target.name)", "samples": "\(builder.sampleCount)"])
        }
        saidTooOld = saidTooOld || tooOld
      }
    }
    // Stopping: the whole progress, so that the next start need not count steps again.
    if wholeMs != progress.ackedMs {
      try await save(progress, store: store, wholeMs: &wholeMs, whole: true)
    }
  }

  /// The `meta` keys of the whole progress and of the last acknowledged step.
  var keys: (whole: String, acked: String) {
    (
      RemoteWriteProgress.metaKey(name: target.name, url: target.url),
      RemoteWriteProgress.ackedKey(name: target.name, url: target.url)
    )
  }

  /// The stored progress, brought to the last acknowledged step (counted again from the rollups
  /// when serve stopped without writing the whole), and the step the whole was stored at; a
  /// receiver never pushed to starts `max_backfill` back.
  func resume(store: SerialStore) async throws -> (RemoteWriteProgress, Int64?) {
    let (text, ackedText) = try await store.run { [keys] store in
      (try store.meta(keys.whole), try store.meta(keys.acked))
    }
    guard var progress = RemoteWriteProgress.decode(text) else {
      return (RemoteWriteProgress(ackedMs: schedule.origin(nowMs: clock.nowMs())), nil)
    }
    let wholeMs = progress.ackedMs
    if let acked = ackedText.flatMap({ Int64($0) }), acked > progress.ackedMs {
      let rows = try await store.run { [from = progress.readFromMs] in
        try $0.rollupRows(fromMs: from, toMs: acked + 1, latency: true, codes: true)
      }
      progress.catchUp(rows, to: acked)
    }
    return (progress, wholeMs)
  }

  /// The steps after `progress` through `due` that fit one request, and the progress once sent.
  func batch(after progress: RemoteWriteProgress, through due: Int64, store: SerialStore) async throws
    -> (RemoteWriteProgress, WriteRequestBuilder, Int64)
  {
    // Up to an hour of steps per read; fewer are sent when the request is full.
    let readTo = min(
      due, progress.ackedMs + max(target.intervalMs, 3_600_000 / target.intervalMs * target.intervalMs))
    let rows = try await store.run { [from = progress.readFromMs] in
      try $0.rollupRows(fromMs: from, toMs: readTo + 1, latency: true, codes: true)
    }
    var next = progress
    var builder = WriteRequestBuilder(externalLabels: target.externalLabels.map { ($0.name, $0.value) })
    // Each bucket counts from the first step at or after its start; one seen before, at the next.
    let byStep = Dictionary(grouping: rows) { row in
      max(schedule.ceilStep(row.bucketMs), progress.ackedMs + target.intervalMs)
    }
    var step = progress.ackedMs
    while step < readTo && (builder.sampleCount == 0 || builder.sampleCount < maxSamplesPerRequest) {
      let t = step + target.intervalMs
      next.count(byStep[t] ?? [], throughMs: t)
      builder.add(next.totals, atMs: t)
      next.ackedMs = t
      step = t
    }
    next.forgetOld()
    return (next, builder, step)
  }

  /// Counts the steps through `to` into the totals without sending them; the samples left out.
  func skip(_ progress: inout RemoteWriteProgress, to: Int64, store: SerialStore, wholeMs: inout Int64?)
    async throws -> Int
  {
    let rows = try await store.run { [from = progress.readFromMs] in
      try $0.rollupRows(fromMs: from, toMs: to + 1, latency: true, codes: true)
    }
    let steps = Int((to - progress.ackedMs) / target.intervalMs)
    progress.catchUp(rows, to: to)
    let skipped = steps * progress.totals.sampleCount
    try await save(progress, store: store, wholeMs: &wholeMs, whole: true)
    note { $0.samples["skipped", default: 0] += Int64(skipped) }
    return skipped
  }

  /// Stores the acknowledged step, and the whole progress when the last whole is
  /// ``RemoteWriteProgress/snapshotEveryMs`` old (or `whole`): the per-request write stays a few
  /// bytes instead of every series' totals and recent buckets.
  func save(_ progress: RemoteWriteProgress, store: SerialStore, wholeMs: inout Int64?, whole: Bool = false)
    async throws
  {
    let writeWhole =
      whole || wholeMs.map { progress.ackedMs - $0 >= RemoteWriteProgress.snapshotEveryMs } ?? true
    let text = writeWhole ? progress.encoded() : nil
    try await store.run { [keys, acked = String(progress.ackedMs)] in
      if let text { try $0.setMeta(keys.whole, text) }
      try $0.setMeta(keys.acked, acked)
    }
    if writeWhole { wholeMs = progress.ackedMs }
    note { $0.ackedMs = progress.ackedMs }
  }

  /// Posts one request; the receiver's reply as the sender reads it, and what went wrong.
  func send(_ builder: WriteRequestBuilder, http: HTTPClient) async -> (RemoteWriteReply, String?) {
    do {
      var request = HTTPClientRequest(url: target.url)
      request.method = .POST
      request.headers.add(name: "Content-Encoding", value: "snappy")
      request.headers.add(name: "Content-Type", value: "application/x-protobuf")
      request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
      request.headers.add(name: "User-Agent", value: "vigil/\(VigilInfo.version)")
      for (name, value) in headers { request.headers.add(name: name, value: value) }
      request.body = .bytes(ByteBuffer(bytes: try builder.body()))
      let response = try await http.execute(request, timeout: .milliseconds(target.timeoutMs))
      var body = try await response.body.collect(upTo: 64 << 10)
      let bytes = body.readBytes(length: min(body.readableBytes, RemoteWriteReply.maxBodyBytes)) ?? []
      let status = Int(response.status.code)
      let reply = RemoteWriteReply.classify(
        status: status, retryAfter: response.headers.first(name: "Retry-After"), body: bytes,
        nowMs: clock.nowMs())
      let said = String(decoding: bytes.prefix(200), as: UTF8.self).filter { !$0.isNewline && $0 != "\u{1B}" }
      return (reply, reply == .accepted ? nil : "HTTP \(status)\(said.isEmpty ? "" : ": \(said)")")
    } catch {
      // No answer (refused, reset, timed out): as a 5xx, the same samples go again.
      return (.retry(afterMs: nil), "\(error)")
    }
  }

  func note(_ change: (inout RemoteWriteState.Receiver) -> Void) {
    state.update(target.name, url: target.url, change)
  }

  func sleep(untilMs: Int64) async {
    try? await cancelWhenGracefulShutdown { try await clock.sleep(untilMs: untilMs) }
  }
}
