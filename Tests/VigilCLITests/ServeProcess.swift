import Foundation
import VigilTestPeers
import VigilTestSupport

/// A real `vigil serve` process on ports the kernel picks, read back from its log.
final class ServeProcess {
  let process: Process
  let logPath: String
  let outPath: String
  var udpPort = 0
  var httpPort = 0
  var otlpPort = 0

  init(_ arguments: [String], in dir: TemporaryDirectory, environment: [String: String] = [:]) throws {
    process = Process()
    process.executableURL = URL(fileURLWithPath: VigilProcess.executable)
    process.arguments = ["serve"] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    logPath = dir.file("serve-\(UUID().uuidString).log")
    outPath = dir.file("serve-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  /// `vigil serve` on `dir`'s `v.db` and `alerts.yaml`, with UDP on 127.0.0.1, HTTP at `http`,
  /// and `extra` arguments.
  convenience init(loopbackIn dir: TemporaryDirectory, http: String = "127.0.0.1:0", _ extra: [String] = [])
    throws
  {
    try self.init(
      [
        "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml"), "--udp", "127.0.0.1:0", "--http", http,
        "--otlp", "127.0.0.1:0",
      ]
        + extra, in: dir)
  }

  var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
  var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

  /// Waits until the listeners asked for are up; false if the process exited or took more than three
  /// minutes (a bound against a hang: a full run's first minute on two cores is that crowded).
  func waitUntilListening(udp: Bool = true, http: Bool = true, otlp: Bool = true) async -> Bool {
    await VigilProcess.waitUntil(seconds: 180) {
      let text = log
      if udp, let p = Self.port(after: "udp listening on 127.0.0.1:", in: text) { udpPort = p }
      if http, let p = Self.port(after: "http listening on 127.0.0.1:", in: text) { httpPort = p }
      if let p = Self.port(after: "otlp listening on 127.0.0.1:", in: text) { otlpPort = p }
      return !process.isRunning
        || ((!udp || udpPort > 0) && (!http || httpPort > 0) && (!otlp || otlpPort > 0))
    } && process.isRunning
  }

  static func port(after marker: String, in text: String) -> Int? {
    guard let r = text.range(of: marker) else { return nil }
    return Int(text[r.upperBound...].prefix { $0.isNumber })
  }

  func url(_ path: String) -> String { "http://127.0.0.1:\(httpPort)\(path)" }

  func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPGet.Reply {
    try await HTTPGet.get(url(path), headers: headers)
  }

  /// SIGTERM, then waits (polling) for the exit; returns the exit status.
  func terminate(seconds: Double = 30) -> Int32? {
    kill(process.processIdentifier, SIGTERM)
    guard VigilProcess.waitUntil(seconds: seconds, { !process.isRunning }) else {
      kill(process.processIdentifier, SIGKILL)
      return nil
    }
    return process.terminationStatus
  }

  deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
