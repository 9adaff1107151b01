import ArgumentParser
import AsyncHTTPClient
import Foundation
import VigilConfig
import VigilCore
import VigilDelivery
import VigilStore

/// Delivers what is due in the outbox now, and keeps retrying what fails (with the receivers'
/// backoff) for at most `waitMs`; what is still pending then stays for the next run. Problems
/// are printed to stderr, one line each, with secrets redacted.
enum Delivering {
  /// Writes the stdout receiver's messages to standard output.
  static let standardOutput: @Sendable ([UInt8]) -> Void = { bytes in
    print(String(decoding: bytes, as: UTF8.self), terminator: "")
  }

  @discardableResult
  static func run(
    db: String, busyTimeout: Int32, rules: RuleSet, environment: [String: String], waitMs: Int64,
    only: Set<String>? = nil
  )
    async throws
    -> DeliveryReport
  {
    let http = OutboxSender.makeHTTPClient()
    do {
      let sender = try OutboxSender(
        databasePath: db, rules: rules, environment: environment, http: http,
        stdout: standardOutput, busyTimeoutMs: busyTimeout)
      let clock = WallClock()
      let total = try await sender.deliver(until: clock.nowMs() + waitMs, clock: clock, only: only) { round in
        for p in round.problems { Console.error("delivery \(p)") }
      }
      try await http.shutdown()
      return total
    } catch {
      try? await http.shutdown()
      throw error
    }
  }

  /// Warns, once per run, about secrets named in the file but missing from the environment:
  /// their receivers' messages will wait in the outbox until the variable is set.
  static func warnAboutUnsetSecrets(
    _ rules: RuleSet, environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    for w in rules.unsetSecrets(in: environment) { Console.error(w) }
  }
}

/// `--send-timeout` and `--env-file`, shared by the commands that deliver what they queue.
struct DeliveryOptions: ParsableArguments {
  @Option(help: "How long to keep retrying failed deliveries before leaving them in the outbox.")
  var sendTimeout = "\(VigilDefaults.sendTimeoutMs / 1000)s"

  @Option(
    help: ArgumentHelp(
      "Read the receivers' secrets from this file of NAME=value lines (as systemd's EnvironmentFile).",
      discussion:
        "Its values win over the environment's. For cron: one command, so one redirect logs every error.",
      valueName: "file"))
  var envFile: String?

  /// The environment the receivers' secrets are read from: the process's, with `--env-file`'s
  /// variables over it. A file that cannot be read or parsed is an error (exit 2), naming the
  /// file and line but never a value.
  func environment() throws -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    if let envFile {
      try reportingErrors { environment.merge(try EnvFile.load(envFile)) { _, fromFile in fromFile } }
    }
    return environment
  }

  func validate() throws {
    try validateDuration("--send-timeout", sendTimeout, positive: false, example: "20s")
  }

  var waitMs: Int64 { DurationText.parseMs(sendTimeout) ?? VigilDefaults.sendTimeoutMs }
}
