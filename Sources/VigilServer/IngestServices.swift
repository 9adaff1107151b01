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
        options.startAt = config.startAtEnd ? .end : .beginning
        let follower = Follower(
          store: MeteredSink(store: store, state: state, source: "file"), patterns: config.follow,
          options: options)
        logger.info("following \(config.follow.joined(separator: " "))")
        for pattern in Follower.unmatched(config.follow) {
          logger.warning(
            "follow: no file matches \(pattern) yet; it is read when one appears (check the path)")
        }
        FollowLoop(pollIntervalMs: config.pollIntervalMs).run(
          follower, wait: { stop.sleep(ms: $0) },
          report: { report in
            switch report {
            case .stored: state.held(lines: 0, source: "file")
            case .event: logger.info("follow: \(report.message ?? "")")
            case .failed(_, let held, _, _):
              state.writeFailed(source: "file", heldLines: held)
              logger.error("follow: \(report.message ?? "")")
            case .recovered: logger.notice("follow: \(report.message ?? "")")
            }
          })
        logger.info("follow: stopped")
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
        let store = try Store(path: config.db)
        udp.storeLoop(
          sink: MeteredSink(store: store, state: state, source: "udp"), warn: { logger.warning("\($0)") })
      }
      try await received
      try await stored
      let c = udp.counters
      logger.info(
        "udp: stopped: \(c.datagrams.load(ordering: .relaxed)) datagrams, \(c.stored.load(ordering: .relaxed)) records stored, \(c.rejected.load(ordering: .relaxed)) rejected, \(c.kernelDrops.load(ordering: .relaxed)) dropped by the kernel"
      )
    } onGracefulShutdown: {
      udp.stop()
    }
  }
}
