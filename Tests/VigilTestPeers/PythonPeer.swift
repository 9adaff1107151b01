import Foundation

/// Python test peers (`Tests/Peers/*.py`) and PyPI tools (the LiteLLM proxy) as child processes.
/// A peer that is missing fails the test with the command that installs it (`scripts/test` and
/// `.ci/run` do).
public final class PythonPeer: @unchecked Sendable {
  let process = Process()
  public let logPath: String
  public private(set) var port = 0

  /// `Tests/Peers/NAME`.
  public static func script(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Peers/\(name)").path
  }

  /// Whether python3 can import each module; the missing ones, for a failure message.
  public static func missing(_ modules: [String]) -> [String] {
    modules.filter { module in
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      // find_spec, not import: importing litellm would fetch a price list from the internet.
      p.arguments = [
        "python3", "-c",
        "import importlib.util, sys; sys.exit(importlib.util.find_spec('\(module)') is None)",
      ]
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      guard (try? p.run()) != nil else { return true }
      p.waitUntilExit()
      return p.terminationStatus != 0
    }
  }

  /// Starts `arguments` (through /usr/bin/env) with output to a log file in `directory`; when
  /// `announcesPort`, waits for its "PORT n" line.
  public init(
    _ arguments: [String], directory: String, environment: [String: String] = [:], announcesPort: Bool = false
  ) throws {
    logPath = directory + "/peer-\(UUID().uuidString).log"
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    guard announcesPort else { return }
    for _ in 0..<3000 where process.isRunning {
      if let r = log(), let range = r.range(of: "PORT "),
        let p = Int(r[range.upperBound...].prefix { $0.isNumber })
      {
        port = p
        return
      }
      usleep(10_000)
    }
    stop()
    throw CocoaError(
      .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "\(arguments) did not start: \(log() ?? "")"])
  }

  /// What it printed so far.
  public func log() -> String? { try? String(contentsOfFile: logPath, encoding: .utf8) }

  /// The scripted fake provider (`fake_provider.py`): OpenAI's and Anthropic's APIs on 127.0.0.1.
  public static func fakeProvider(script: [String], repeating: Bool = false, directory: String) throws
    -> PythonPeer
  {
    try PythonPeer(
      ["python3", Self.script("fake_provider.py"), "--script", script.joined(separator: ",")]
        + (repeating ? ["--repeat"] : []), directory: directory, announcesPort: true)
  }

  /// Runs a command to completion: exit status and output.
  public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String)
  {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Kills it (SIGKILL, then a polled wait).
  public var isRunning: Bool { process.isRunning }

  public func stop() {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    for _ in 0..<500 where process.isRunning { usleep(10_000) }
  }

  deinit { stop() }
}
