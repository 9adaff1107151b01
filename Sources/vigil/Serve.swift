import ArgumentParser
import Foundation
import Logging
import VigilConfig
import VigilCore
import VigilServer

#if canImport(Glibc)
  import Glibc
#endif

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run as a daemon: tail logs, listen for UDP, evaluate, notify, serve /metrics and the API.",
    // The generated usage lists every option on one long line; the options are listed below.
    usage: "vigil serve [--config <file>] [<options>]",
    discussion: """
      Settings come from --config (see the README's "vigil serve" section), then these flags. \
      Listeners bind to 127.0.0.1 unless told otherwise. SIGTERM or SIGINT stops it gracefully: \
      intake stops and commits what it received, pending messages stay in the outbox. SIGHUP (or \
      POST /-/reload) reloads the settings file and the rules file: a configuration with an error \
      is refused and the previous one stays in effect.
      """)

  @Option(help: ArgumentHelp("The serve settings file (YAML).", valueName: "file"))
  var config: String?

  @Option(help: ArgumentHelp("The SQLite database file.", valueName: "file"))
  var db: String?

  @Option(help: ArgumentHelp("The rules file.", valueName: "file"))
  var rules: String?

  @Option(
    help: ArgumentHelp(
      "Call logs to tail (a glob; repeatable). Quote it so the shell does not expand it.", valueName: "glob"))
  var follow: [String] = []

  @Option(
    help: ArgumentHelp(
      "Where to start in a log that has no checkpoint: beginning or end.", valueName: "position"))
  var startAt: String?

  @Option(help: ArgumentHelp("UDP listen address (host:port), or off.", valueName: "host:port"))
  var udp: String?

  @Option(help: ArgumentHelp("HTTP listen address (host:port), or off.", valueName: "host:port"))
  var http: String?

  @Option(
    help: ArgumentHelp(
      "OTLP/HTTP receiver address (host:port) for /v1/traces and /v1/logs, or off. Default 127.0.0.1:4318.",
      valueName: "host:port"))
  var otlp: String?

  @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
  var logLevel: String?

  @Option(
    help: ArgumentHelp("text (readable lines), json or logfmt (for log shippers).", valueName: "format"))
  var logFormat: String?

  var flags: ServeFlags {
    var f = ServeFlags()
    (f.db, f.rules, f.follow, f.startAt) = (db, rules, follow, startAt)
    (f.udp, f.http, f.otlp, f.logLevel, f.logFormat) = (udp, http, otlp, logLevel, logFormat)
    return f
  }

  func validate() throws {
    if let problem = flags.problems.first { throw ValidationError(problem) }
  }

  /// The settings: the file's (when --config is given), then the flags.
  func settings() throws(ConfigLoadError) -> ServeConfig {
    do {
      return try ServeConfig.resolve(file: config, flags: flags)
    } catch {
      throw ConfigLoadError(error.errors.map(\.description))
    }
  }

  /// What a reload reads: the settings and the rules file they name, with the warnings start gives.
  func reload() -> Result<LoadedConfig, ConfigLoadError> {
    do throws(ConfigLoadError) {
      let settings = try settings()
      guard FileManager.default.fileExists(atPath: settings.rules) else {
        throw ConfigLoadError(["no rules file at \(settings.rules)"])
      }
      let rules: RuleSet
      do {
        rules = try RulesLoader.load(path: settings.rules)
      } catch {
        throw ConfigLoadError(error.errors.map(\.description))
      }
      return .success(
        LoadedConfig(
          config: settings, rules: rules,
          warnings: rules.warnings + rules.unsetSecrets(in: ProcessInfo.processInfo.environment)))
    } catch {
      return .failure(error)
    }
  }

  func run() async throws {
    // A hang-up before the reload handler is in place must not stop the daemon.
    signal(SIGHUP, SIG_IGN)
    let settings: ServeConfig
    do {
      settings = try self.settings()
    } catch {
      for e in error.messages { Console.error(e) }
      throw ExitCode(2)
    }
    let level = Logger.Level(rawValue: settings.log.level.rawValue) ?? .info
    let format = StructuredLogHandler.Format(rawValue: settings.log.format.rawValue) ?? .text
    LoggingSystem.bootstrap { _ in
      var handler = StructuredLogHandler(format: format)
      handler.logLevel = level
      return handler
    }
    var logger = Logger(label: "vigil")
    logger.logLevel = level
    let ruleSet = try AlertOutput.loadRules(settings.rules)
    Delivering.warnAboutUnsetSecrets(ruleSet)
    // A parent may start us with SIGTERM blocked (Foundation's Process does); take it back.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    do {
      try await Daemon.run(
        config: settings, rules: ruleSet, environment: ProcessInfo.processInfo.environment, logger: logger,
        reload: { reload() })
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
  }
}
