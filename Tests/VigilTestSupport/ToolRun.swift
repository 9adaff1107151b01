import Foundation
import VigilSync

/// Runs a program to completion and returns its status with what it printed (stdout and stderr
/// together), as the checks that drive system tools (systemd-analyze, unshare) read it.
public enum ToolRun {
  public static func capture(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }

  /// Runs a program as ``capture(_:_:)`` does, waiting on a thread of its own: an async test that
  /// waits for a tool (a `swift package` run takes seconds, a scale-out script minutes) must never
  /// hold one of the two threads Swift concurrency shares among every test here, or the in-process
  /// daemons of the tests beside it starve (a whole run once stalled three minutes on that).
  public static func capture(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
    try await WorkerThread.run { try capture(executable, arguments) }
  }
}
