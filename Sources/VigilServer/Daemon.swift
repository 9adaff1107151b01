import Foundation
import Hummingbird
public import Logging
import ServiceLifecycle
public import VigilConfig
public import VigilCore
import VigilIngest
import VigilStore

#if canImport(Glibc)
  import Glibc
#endif

/// `vigil serve`: file followers, the UDP listener, the evaluation loop, the outbox sender,
/// retention and the HTTP server, as services of one ServiceGroup. SIGTERM or SIGINT shuts them
/// down in reverse order: intake stops first and commits what it received, then evaluation and
/// delivery (pending messages stay in the outbox), then the HTTP server.
public enum Daemon {
  public static func run(
    config: ServeConfig, rules: RuleSet, environment: [String: String], logger: Logger,
    clock: some VigilClock = WallClock()
  ) async throws {
    // Create or migrate the database once, before the services open connections of their own.
    _ = try Store(path: config.db)
    let state = ServerState()
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []

    if let http = config.http {
      var token: String?
      if let name = config.httpTokenEnv {
        guard let value = environment[name], !value.isEmpty else {
          throw DaemonError("http.token_env names $\(name), which is not set")
        }
        token = value
      }
      if !http.isLoopback && token == nil {
        logger.warning(
          "http listens on \(http) without a token: anyone who can reach it can read alerts and calls")
      }
      let routes = HTTPRoutes.router(
        state: state, rules: rules, db: try ReadStore(path: config.db), token: token)
      let app = Application(
        router: routes,
        // A connection idle this long is closed: a client that opens connections and sends
        // nothing cannot hold them (and their file descriptors) forever.
        server: .http1(configuration: .init(idleTimeout: .milliseconds(config.httpIdleTimeoutMs))),
        configuration: .init(address: .hostname(http.host, port: http.port), serverName: "vigil"),
        onServerRunning: { channel in
          let port = channel.localAddress?.port ?? http.port
          logger.info("http listening on \(HostPort(host: http.host, port: port))")
        },
        logger: logger)
      services.append(.init(service: app, serviceName: "http"))
    }
    services.append(
      .init(
        service: DeliveryService(config: config, rules: rules, state: state, logger: logger, clock: clock),
        serviceName: "delivery"))
    services.append(
      .init(
        service: EvaluationService(config: config, rules: rules, state: state, logger: logger, clock: clock),
        serviceName: "evaluation"))
    services.append(
      .init(service: RetentionService(config: config, logger: logger, clock: clock), serviceName: "retention")
    )
    if let address = config.udp {
      if !address.isLoopback { logger.warning("udp listens on \(address): other hosts can send calls") }
      let udp = try UDPIngest(
        address: address, receiveBufferBytes: config.udpReceiveBufferBytes, maxLineBytes: config.maxLineBytes)
      if udp.receiveBufferBytes < config.udpReceiveBufferBytes {
        logger.warning(
          "udp: the kernel granted a receive buffer of \(udp.receiveBufferBytes) bytes of the \(config.udpReceiveBufferBytes) asked for; bursts may be dropped (raise net.core.rmem_max, or run with CAP_NET_ADMIN)"
        )
      }
      state.withLock { state.udp = udp.counters }
      logger.info(
        "udp listening on \(HostPort(host: address.host, port: udp.port)) (receive buffer \(udp.receiveBufferBytes) bytes)"
      )
      services.append(
        .init(service: UDPService(udp: udp, config: config, state: state, logger: logger), serviceName: "udp")
      )
    }
    if !config.follow.isEmpty {
      services.append(
        .init(service: FollowService(config: config, state: state, logger: logger), serviceName: "follow"))
    }
    let group = ServiceGroup(
      configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    logger.info("vigil \(VigilInfo.version) serving \(config.db) with \(rules.rules.count) rules")
    try await group.run()
    logger.info("stopped")
  }
}

/// A reason `vigil serve` cannot start.
public struct DaemonError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
