import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilConfig
import VigilCore
import VigilIngest
import VigilStore
import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

/// Tails the configured globs (the follower of `vigil ingest --follow`) on a thread of its own.
/// Graceful shutdown finishes the round in progress, which commits what it read; a restart
/// resumes every file at its checkpoint.
struct FollowService: Service {
  let config: ServeConfig
  let state: ServerState
  let logger: Logger

  func run() async throws {
    let stop = StopSignal()
    let (config, state, logger) = (self.config, self.state, self.logger)
    try await withGracefulShutdownHandler {
      try await WorkerThread.run {
        let store = try Store(path: config.db)
        var options = FollowOptions()
        options.ingest.maxLineBytes = config.maxLineBytes
        options.startAt = config.startAt
        let writer = IntakeWriter(
          store: store, door: "file", observer: IntakeReporter(state: state, logger: logger))
        let follower = Follower(store: writer, patterns: config.follow, options: options)
        logger.info(
          "following \(config.follow.joined(separator: " "))",
          metadata: ["door": "file", "patterns": "\(config.follow.joined(separator: " "))"])
        for pattern in Follower.unmatched(config.follow) {
          logger.warning(
            "follow: no file matches \(pattern) yet; it is read when one appears (check the path)",
            metadata: ["door": "file", "pattern": "\(pattern)"])
        }
        FollowLoop(pollIntervalMs: config.pollIntervalMs).run(
          follower, wait: { stop.sleep(ms: $0) },
          report: { report in
            // Writes are counted and their failures said by the writer's reporter.
            if case .event(let event) = report { logger.info("follow: \(event)", metadata: ["door": "file"]) }
          })
        logger.info("follow: stopped", metadata: ["door": "file"])
      }
    } onGracefulShutdown: {
      stop.stop()
    }
  }
}

/// Receives call records as UDP datagrams: one thread takes them off the socket, another parses
/// and commits them. Graceful shutdown drains the socket and commits everything received.
struct UDPService: Service {
  let udp: UDPIngest
  let config: ServeConfig
  let state: ServerState
  let logger: Logger

  func run() async throws {
    let (udp, config, state, logger) = (self.udp, self.config, self.state, self.logger)
    try await withGracefulShutdownHandler {
      async let received: Void = WorkerThread.run { udp.receiveLoop() }
      async let stored: Void = WorkerThread.run {
        let writer = IntakeWriter(
          store: try Store(path: config.db), door: "udp",
          observer: IntakeReporter(state: state, logger: logger))
        // At shutdown, what the database still refuses waits in the spool for the next start.
        let spool = try? IntakeSpool(path: IntakeSpool.path(forDatabase: config.db))
        udp.storeLoop(writer: writer, spool: spool, logger: logger)
      }
      try await received
      try await stored
      let c = udp.counters
      logger.info(
        "udp: stopped: \(c.datagrams.load(ordering: .relaxed)) datagrams, \(c.stored.load(ordering: .relaxed)) records stored, \(c.rejected.load(ordering: .relaxed)) rejected, \(c.kernelDrops.load(ordering: .relaxed)) dropped by the kernel",
        metadata: [
          "door": "udp", "datagrams": "\(c.datagrams.load(ordering: .relaxed))",
          "stored": "\(c.stored.load(ordering: .relaxed))",
          "rejected": "\(c.rejected.load(ordering: .relaxed))",
          "kernel_drops": "\(c.kernelDrops.load(ordering: .relaxed))",
        ])
    } onGracefulShutdown: {
      udp.stop()
    }
  }
}

/// Stores what the HTTP intake acknowledged into the spool (``IntakeSpool``), on a thread of its
/// own: at once when a request was spooled, and tried again with backoff while the database
/// refuses writes. Graceful shutdown stores what it can for a few seconds; the rest waits in the
/// spool for the next start.
struct SpoolDrainService: Service {
  let config: ServeConfig
  let state: ServerState
  let logger: Logger
  /// How long a shutdown keeps trying to store what waits.
  var stopGraceMs: Int64 = 10_000

  func run() async throws {
    let stop = StopSignal()
    let (config, state, logger, grace) = (self.config, self.state, self.logger, stopGraceMs)
    try await withGracefulShutdownHandler {
      try await WorkerThread.run {
        let drain = IntakeSpoolDrain(
          spool: try IntakeSpool(path: IntakeSpool.path(forDatabase: config.db)),
          store: try Store(path: config.db), observer: IntakeReporter(state: state, logger: logger))
        var stopAskedMs: Int64?
        func giveUp() -> Bool {
          guard stop.isStopped else { return false }
          let now = WallClock.nowMs()
          if stopAskedMs == nil { stopAskedMs = now }
          return now - (stopAskedMs ?? now) >= grace
        }
        repeat {
          do {
            let done = try drain.drain(giveUp: giveUp)
            state.intake.spooled(waiting: drain.pendingEntries)
            if done == nil { break }
          } catch {
            logger.error("intake spool: \(error)", metadata: ["door": "spool"])
          }
          if stop.isStopped { break }
          state.spoolAppended.wait(timeoutMs: 1000)
        } while !stop.isStopped || drain.pendingEntries > 0 && !giveUp()
        if drain.pendingEntries > 0 {
          logger.warning(
            "intake spool: \(drain.pendingEntries) acknowledged requests wait to be stored; they are stored at the next start",
            metadata: ["door": "spool", "waiting": "\(drain.pendingEntries)"])
        }
      }
    } onGracefulShutdown: {
      stop.stop()
      state.spoolAppended.signal()
    }
  }
}

/// Serve's view of intake: counts for `/metrics`, the sources' last calls, the wake-up of the
/// evaluation loop, and one log line per run of failed writes (not one per retry).
struct IntakeReporter: IntakeObserver {
  let state: ServerState
  let logger: Logger

  func stored(_ batch: IngestBatch, door: String) {
    state.stored(batch, door: door)
  }

  func writeFailed(door: String, error: any Error, heldLines: Int64, failuresInARow: Int) {
    state.intake.writeFailed(door: door, heldLines: heldLines)
    if failuresInARow == 1 {
      logger.error(
        "\(door): storing failed (\(error)); \(heldLines) lines held, nothing skipped; retrying",
        metadata: ["door": "\(door)", "held_lines": "\(heldLines)"])
    }
  }

  func writeRecovered(door: String, failures: Int) {
    logger.notice(
      "\(door): storing works again after \(failures) failed attempts",
      metadata: ["door": "\(door)", "failures": "\(failures)"])
  }
}
