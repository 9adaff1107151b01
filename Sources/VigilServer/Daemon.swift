import Foundation
import Hummingbird
package import Logging
import NIOCore
import ServiceLifecycle
package import UnixSignals
package import VigilConfig
package import VigilCore
import VigilIngest
import VigilOTLP
import VigilStore

#if canImport(Glibc)
  import Glibc
#endif

/// `vigil serve`: file followers, the UDP listener, the evaluation loop, the outbox sender,
/// retention and the HTTP server, as services of one ServiceGroup. SIGTERM or SIGINT shuts them
/// down in reverse order: intake stops first and commits what it received, then evaluation and
/// delivery (pending messages stay in the outbox), then the HTTP server.
package struct Daemon: Sendable {
  /// What the services share: counters, the last evaluation, the HTTP port once listening.
  package let state: ServerState
  /// The UDP port bound, when UDP is on (useful when port 0 was asked for).
  package let udpPort: Int?
  let group: ServiceGroup

  /// Runs until SIGTERM or SIGINT (as `vigil serve` does), or until ``shutDown()``.
  package func run() async throws { try await group.run() }

  /// Starts a graceful shutdown, as a signal would.
  package func shutDown() async { await group.triggerGracefulShutdown() }

  /// Runs `vigil serve` until a signal stops it; SIGHUP reloads with `reload`.
  package static func run(
    config: ServeConfig, rules: RuleSet, environment: [String: String], logger: Logger,
    clock: some VigilClock = WallClock(), reload: ConfigLoad? = nil
  ) async throws {
    try await make(
      config: config, rules: rules, environment: environment, logger: logger, clock: clock, reload: reload
    ).run()
  }

  /// The daemon's services in one group, ready to run: listeners bound, the database created or
  /// migrated. Tests run it in process, with port 0, a clock of their own, no signal handlers
  /// (`signals: []`), and ``shutDown()``. `reload` reads the configuration again for SIGHUP and
  /// `POST /-/reload` (by default, the rules file at `config.rules`).
  package static func make(
    config: ServeConfig, rules: RuleSet, environment: [String: String], logger: Logger,
    clock: some VigilClock = WallClock(), signals: [UnixSignal] = [.sigterm, .sigint],
    reload: ConfigLoad? = nil
  ) async throws -> Daemon {
    // Create or migrate the database once, before the services open connections of their own.
    _ = try Store(path: config.db)
    let state = ServerState(rules: rules)
    let reloader = ConfigReloader(
      running: config, load: reload ?? ConfigReloader.rulesFile(of: config), state: state, logger: logger)
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
    var udpPort: Int?
    var token: String?
    if let name = config.httpTokenEnv {
      guard let value = environment[name], !value.isEmpty else {
        throw DaemonError("http.token_env names $\(name), which is not set")
      }
      token = value
    }
    let intake = HTTPIntake(
      spool: try SerialSpool(database: config.db, appended: state.spoolAppended), state: state,
      logger: logger,
      budget: IntakeBudget(capacity: config.intakeMemoryBytes))
    // Both listeners close a connection whose request has not arrived whole within
    // `body_timeout` of its head.
    let bodyTimeout = TimeAmount.milliseconds(config.httpBodyTimeoutMs)
    // First in the group, so last to stop: what the HTTP intake acknowledged until its listeners
    // closed is stored (or kept in the spool) before serve exits.
    services.append(
      .init(service: SpoolDrainService(config: config, state: state, logger: logger), serviceName: "spool"))
    // A port that is taken is said plainly, with the flag that moves it, before anything starts.
    for (address, name) in [(config.http, "http"), (config.otlp, "otlp")] {
      if let address { try Self.checkCanListen(address, name) }
    }

    if let http = config.http {
      if !http.isLoopback && token == nil {
        logger.warning(
          "http listens on \(http) without a token: anyone who can reach it can read alerts and calls",
          metadata: ["listener": "http", "address": "\(http)"])
      }
      let routes = HTTPRoutes.router(
        state: state, db: try SerialStore(path: config.db, label: "vigil-http"), token: token, intake: intake,
        reloader: reloader)
      let app = Application(
        router: routes,
        // A connection idle this long is closed: a client that opens connections and sends
        // nothing cannot hold them (and their file descriptors) forever.
        server: .http1(
          configuration: .init(
            additionalChannelHandlers: [RequestDeadlineHandler(deadline: bodyTimeout)],
            idleTimeout: .milliseconds(config.httpIdleTimeoutMs))),
        configuration: .init(address: .hostname(http.host, port: http.port), serverName: "vigil"),
        onServerRunning: { [state] channel in
          let port = channel.localAddress?.port ?? http.port
          state.listeners.listening(http: port)
          logger.info(
            "http listening on \(HostPort(host: http.host, port: port))",
            metadata: ["listener": "http", "address": "\(HostPort(host: http.host, port: port))"])
        },
        logger: logger)
      services.append(.init(service: app, serviceName: "http"))
    }
    if let otlp = config.otlp {
      if !otlp.isLoopback && token == nil {
        logger.warning(
          "otlp listens on \(otlp) without a token: anyone who can reach it can send calls",
          metadata: ["listener": "otlp", "address": "\(otlp)"])
      }
      let app = Application(
        router: intake.otlpRouter(token: token),
        server: .http1(
          configuration: .init(
            additionalChannelHandlers: [RequestDeadlineHandler(deadline: bodyTimeout)],
            idleTimeout: .milliseconds(config.httpIdleTimeoutMs))),
        configuration: .init(address: .hostname(otlp.host, port: otlp.port), serverName: "vigil"),
        onServerRunning: { [state] channel in
          let port = channel.localAddress?.port ?? otlp.port
          state.listeners.listening(otlp: port)
          logger.info(
            "otlp listening on \(HostPort(host: otlp.host, port: port)) (/v1/traces, /v1/logs)",
            metadata: ["listener": "otlp", "address": "\(HostPort(host: otlp.host, port: port))"])
        },
        logger: logger)
      services.append(.init(service: app, serviceName: "otlp"))
    }
    services.append(
      .init(
        service: DeliveryService(
          config: config, environment: environment, state: state, logger: logger, clock: clock),
        serviceName: "delivery"))
    services.append(
      .init(
        service: EvaluationService(config: config, state: state, logger: logger, clock: clock),
        serviceName: "evaluation"))
    services.append(
      .init(service: RetentionService(config: config, logger: logger, clock: clock), serviceName: "retention")
    )
    if let address = config.udp {
      if !address.isLoopback {
        logger.warning(
          "udp listens on \(address): other hosts can send calls",
          metadata: ["listener": "udp", "address": "\(address)"])
      }
      let udp = try UDPIngest(
        address: address, receiveBufferBytes: config.udpReceiveBufferBytes, maxLineBytes: config.maxLineBytes)
      if udp.receiveBufferBytes < config.udpReceiveBufferBytes {
        logger.warning(
          "udp: the kernel granted a receive buffer of \(udp.receiveBufferBytes) bytes of the \(config.udpReceiveBufferBytes) asked for; bursts may be dropped (raise net.core.rmem_max, or run with CAP_NET_ADMIN)",
          metadata: [
            "listener": "udp", "granted_bytes": "\(udp.receiveBufferBytes)",
            "asked_bytes": "\(config.udpReceiveBufferBytes)",
          ])
      }
      state.intake.attach(udp.counters)
      udpPort = udp.port
      logger.info(
        "udp listening on \(HostPort(host: address.host, port: udp.port)) (receive buffer \(udp.receiveBufferBytes) bytes)",
        metadata: [
          "listener": "udp", "address": "\(HostPort(host: address.host, port: udp.port))",
          "receive_buffer_bytes": "\(udp.receiveBufferBytes)",
        ])
      services.append(
        .init(service: UDPService(udp: udp, config: config, state: state, logger: logger), serviceName: "udp")
      )
    }
    for target in config.remoteWrite {
      services.append(
        .init(
          service: RemoteWriteService(
            target: target, headers: try remoteWriteHeaders(target, environment), db: config.db,
            state: state.remoteWrite, logger: logger, clock: clock),
          serviceName: "remote_write"))
    }
    if !config.follow.isEmpty {
      services.append(
        .init(service: FollowService(config: config, state: state, logger: logger), serviceName: "follow"))
    }
    if !signals.isEmpty {
      services.append(.init(service: ReloadOnHangUpService(reloader: reloader), serviceName: "reload"))
    }
    let group = ServiceGroup(
      configuration: .init(services: services, gracefulShutdownSignals: signals, logger: logger))
    logger.info(
      "vigil \(VigilInfo.version) serving \(config.db) with \(rules.rules.count) rules",
      metadata: ["version": "\(VigilInfo.version)", "db": "\(config.db)", "rules": "\(rules.rules.count)"])
    return Daemon(state: state, udpPort: udpPort, group: group)
  }
}

extension Daemon {
  /// The headers of a remote-write receiver's requests beyond the protocol's: `Authorization` and
  /// the configured ones, secrets read from the environment; throws when a variable it names is
  /// not set (as a token for the HTTP server does).
  static func remoteWriteHeaders(_ t: RemoteWriteTarget, _ environment: [String: String]) throws
    -> [(String, String)]
  {
    func value(_ name: String, _ what: String) throws -> String {
      guard let v = environment[name], !v.isEmpty else {
        throw DaemonError("remote_write '\(t.name)': \(what) names $\(name), which is not set")
      }
      return v
    }
    var out: [(String, String)] = []
    if let name = t.bearerTokenEnv {
      out.append(("Authorization", "Bearer \(try value(name, "bearer_token_env"))"))
    }
    if let user = t.basicAuthUsername, let name = t.basicAuthPasswordEnv {
      let password = try value(name, "basic_auth.password_env")
      out.append(("Authorization", "Basic \(Data("\(user):\(password)".utf8).base64EncodedString())"))
    }
    for h in t.headers {
      switch h.value {
      case .literal(let v): out.append((h.name, v))
      case .environment(let name): out.append((h.name, try value(name, "header_env \(h.name)")))
      }
    }
    return out
  }

  /// Throws when a TCP listener cannot bind `address` (in use, or not an address of this host).
  static func checkCanListen(_ address: HostPort, _ name: String) throws {
    guard address.port != 0 else { return }
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_PASSIVE
    var found: UnsafeMutablePointer<addrinfo>?
    // A name that does not resolve is left for the server to report.
    guard getaddrinfo(address.host, String(address.port), &hints, &found) == 0, let ai = found else { return }
    defer { freeaddrinfo(found) }
    let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var one: Int32 = 1
    _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    guard bind(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 else {
      let reason = String(cString: strerror(errno))
      throw DaemonError(
        "\(name): cannot listen on \(address): \(reason) (another vigil serve, or another program, has it? choose another with --\(name) HOST:PORT, or --\(name) off)"
      )
    }
  }
}

/// A reason `vigil serve` cannot start.
package struct DaemonError: Error, CustomStringConvertible {
  package var description: String
  package init(_ description: String) { self.description = description }
}
