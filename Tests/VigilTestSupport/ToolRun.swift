import Foundation

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
}
