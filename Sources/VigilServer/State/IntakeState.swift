import Synchronization
import VigilCore
import VigilIngest
import VigilStore

/// What intake did since start, by door (`file`, `udp`, `otlp`, `litellm`): the calls stored
/// (for `/metrics`), failed writes and held lines, each source's latest call, the HTTP intake's
/// answers and its spool.
package final class IntakeState: Sendable {
  /// A snapshot, for `/metrics` and the API.
  struct Counts: Sendable {
    var metrics = CallMetrics()
    var byDoor: [String: IngestStats] = [:]
    /// Failed writes of ingested lines, and lines held because of them, by door.
    var writeFailures: [String: Int64] = [:]
    var heldLines: [String: Int64] = [:]
    /// Per source family (a log and its rotated copies, the UDP listener): the latest call stored
    /// (call time) and when it was stored (wall time).
    var sources: [String: SourceSeen] = [:]
    /// Requests to the HTTP intake endpoints (OTLP, LiteLLM) by endpoint and HTTP status.
    var httpAnswers: [String: [Int: Int64]] = [:]
    /// Requests acknowledged over HTTP and waiting in the intake spool.
    var spoolEntries: Int64 = 0
    var udp: UDPCounters?
  }

  /// What one source has delivered since start.
  struct SourceSeen: Sendable {
    var calls: Int64 = 0
    var lastCallMs: Int64 = .min
    var lastStoredMs: Int64 = 0
  }

  let counts = Mutex(Counts())

  var snapshot: Counts { counts.withLock { $0 } }

  /// Counts a committed batch that came through `door`.
  func stored(_ batch: IngestBatch, door: String) {
    counts.withLock { c in
      c.metrics.add(batch.calls)
      var s = c.byDoor[door] ?? IngestStats()
      s.stored += Int64(batch.calls.count)
      s.rejected += Int64(batch.rejects.count)
      s.lines += Int64(batch.calls.count + batch.rejects.count)
      c.byDoor[door] = s
      if c.heldLines[door] != nil { c.heldLines[door] = 0 }
      guard !batch.calls.isEmpty else { return }
      let family = SourceName.family(batch.source)
      var seen = c.sources[family] ?? SourceSeen()
      seen.calls += Int64(batch.calls.count)
      seen.lastCallMs = max(seen.lastCallMs, batch.calls.maxTimestampMs)
      seen.lastStoredMs = WallClock.nowMs()
      c.sources[family] = seen
    }
  }

  /// A write through `door` failed; `heldLines` wait to be stored.
  func writeFailed(door: String, heldLines: Int64) {
    counts.withLock { c in
      c.writeFailures[door, default: 0] += 1
      c.heldLines[door] = heldLines
    }
  }

  /// An HTTP intake request to `endpoint` was answered `status`.
  func answered(_ endpoint: String, status: Int) {
    counts.withLock { $0.httpAnswers[endpoint, default: [:]][status, default: 0] += 1 }
  }

  /// What waits in the intake spool after a drain round.
  func spooled(waiting entries: Int64) { counts.withLock { $0.spoolEntries = entries } }

  /// The UDP listener's counters, once it is bound.
  func attach(_ udp: UDPCounters) { counts.withLock { $0.udp = udp } }

  /// Records stored through `door` since start.
  package func storedCount(door: String) -> Int64 { counts.withLock { $0.byDoor[door]?.stored ?? 0 } }
}
