import Foundation
import VigilStore
import VigilSync
import VigilTestSupport

/// Runs the built `vigil` executable as a real process.
struct VigilProcess {
  static var executable: String {
    // The test bundle sits in the build folder beside the executable.
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.pathComponents.count > 1 {
      let candidate = url.appendingPathComponent("vigil")
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        return candidate.path
      }
      url.deleteLastPathComponent()
    }
    return ".build/debug/vigil"
  }

  /// Starts vigil with `arguments`; output goes to files so a full pipe never blocks it.
  static func start(_ arguments: [String], in dir: TemporaryDirectory) throws -> (Process, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let errPath = dir.file("stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, errPath)
  }

  /// Runs vigil to completion: exit status, stdout and stderr. `environment` adds variables;
  /// `directory` is its working directory (default the test's).
  static func run(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], directory: String? = nil
  ) throws
    -> (
      Int32, String, String
    )
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
  }

  /// Runs vigil to completion on a thread of its own, so that waiting for the process never holds
  /// one of the few threads that Swift concurrency shares among every test (two on this machine):
  /// tests with real peers and timeouts run beside these.
  static func run(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], directory: String? = nil
  )
    async throws
    -> (Int32, String, String)
  {
    try await WorkerThread.run {
      try run(arguments, stdin: stdin, environment: environment, directory: directory)
    }
  }

  /// Waits until `condition` holds, checking every 10 ms, for at most `seconds`.
  static func waitUntil(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      usleep(10_000)
    }
    return false
  }

  /// Waits as ``waitUntil(seconds:_:)`` does, suspending between checks instead of blocking: in an
  /// async test this is the one chosen, so that waiting never holds one of the two threads Swift
  /// concurrency shares among every test (in-process daemons beside it need them).
  static func waitUntil(seconds: Double = 60, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      try? await Task.sleep(for: .milliseconds(10))
    }
    return false
  }

  /// Rows stored so far, read through a separate connection (WAL lets it read while vigil writes).
  static func storedCalls(_ db: String) -> Int64 {
    guard FileManager.default.fileExists(atPath: db), let store = try? Store(path: db, busyTimeoutMs: 1000)
    else {
      return 0
    }
    return (try? store.callCount()) ?? 0
  }
}
