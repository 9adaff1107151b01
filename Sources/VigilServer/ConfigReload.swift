package import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
package import VigilConfig
package import VigilCore

/// What a reload reads: the serve settings (vigil.yaml, then the flags) and the rules file they
/// name, validated; or every error, with file, line and column.
package struct LoadedConfig: Sendable {
  package var config: ServeConfig
  package var rules: RuleSet
  /// Warnings to log (unset secrets, rules that cannot fire as written).
  package var warnings: [String]

  package init(config: ServeConfig, rules: RuleSet, warnings: [String] = []) {
    self.config = config
    self.rules = rules
    self.warnings = warnings
  }
}

/// Why a reload was refused: the loader's messages, one per error.
package struct ConfigLoadError: Error, Sendable {
  package var messages: [String]
  package init(_ messages: [String]) { self.messages = messages }
}

/// Reads the configuration again, as it was read at start.
package typealias ConfigLoad = @Sendable () -> Result<LoadedConfig, ConfigLoadError>

/// Reloads the configuration on SIGHUP and `POST /-/reload`, as Prometheus does: the files are
/// read and validated first, and only a configuration that loads in full replaces the one in
/// effect; on an error the old one stays, the error is logged and
/// `vigil_config_last_reload_successful` reads 0 until a reload succeeds.
///
/// What a reload applies at once: everything in alerts.yaml (rules, SLOs, receivers, routing,
/// inhibitions, templates, the evaluation interval) and vigil.yaml's `rules:` path. Settings that
/// hold sockets, files or threads (the database, listeners, followed paths, retention, logging)
/// take effect at the next start; a reload that changes them says so.
package final class ConfigReloader: Sendable {
  let load: ConfigLoad
  let state: ServerState
  let logger: Logger
  /// The settings the daemon runs with; reloads compare against them. One reload at a time.
  let running: Mutex<ServeConfig>

  package init(running: ServeConfig, load: @escaping ConfigLoad, state: ServerState, logger: Logger) {
    self.running = Mutex(running)
    self.load = load
    self.state = state
    self.logger = logger
  }

  /// What a reload did: applied (with its notes) or refused (with the errors).
  package enum Outcome: Sendable, Equatable {
    case applied(notes: [String])
    case refused(errors: [String])
  }

  /// Loads, validates and applies the configuration; logs the outcome.
  @discardableResult
  package func reload(trigger: String) -> Outcome {
    running.withLock { running in
      switch load() {
      case .failure(let error):
        state.reloaded(nil)
        logger.error(
          "reload (\(trigger)) refused, the previous configuration stays in effect: \(error.messages.joined(separator: "; "))",
          metadata: ["trigger": "\(trigger)", "errors": "\(error.messages.count)"])
        return .refused(errors: error.messages)
      case .success(let loaded):
        var notes = loaded.warnings
        for name in running.restartOnlyChanges(to: loaded.config) {
          notes.append("\(name) changed in the settings: it takes effect when vigil serve restarts")
        }
        running.rules = loaded.config.rules
        state.reloaded(loaded.rules)
        for note in notes { logger.warning("reload: \(note)", metadata: ["trigger": "\(trigger)"]) }
        logger.info(
          "reload (\(trigger)): \(loaded.rules.rules.count) rules, \(loaded.rules.receivers.count) receivers from \(loaded.config.rules)",
          metadata: [
            "trigger": "\(trigger)", "rules": "\(loaded.rules.rules.count)",
            "receivers": "\(loaded.rules.receivers.count)", "file": "\(loaded.config.rules)",
          ])
        return .applied(notes: notes)
      }
    }
  }
}

/// Reloads on each SIGHUP until shutdown (logrotate's postrotate and `systemctl reload` send it).
struct ReloadOnHangUpService: Service {
  let reloader: ConfigReloader

  func run() async throws {
    let hangUps = await UnixSignalsSequence(trapping: .sighup)
    await cancelWhenGracefulShutdown {
      for await _ in hangUps { reloader.reload(trigger: "SIGHUP") }
    }
  }
}

extension ConfigReloader {
  /// Reads `config.rules` again, the settings as they are: what a daemon whose settings came from
  /// flags alone reloads.
  package static func rulesFile(of config: ServeConfig) -> ConfigLoad {
    {
      do throws(ConfigErrors) {
        let rules = try RulesLoader.load(path: config.rules)
        return .success(LoadedConfig(config: config, rules: rules, warnings: rules.warnings))
      } catch {
        return .failure(ConfigLoadError(error.errors.map(\.description)))
      }
    }
  }
}
