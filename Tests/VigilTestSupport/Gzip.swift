import Foundation

/// gzip(1), for tests that send or read compressed bodies.
public enum Gzip {
  /// `data` compressed by gzip(1).
  public static func compress(_ data: [UInt8]) throws -> [UInt8] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/gzip")
    p.arguments = ["-c"]
    let input = Pipe()
    let output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try p.run()
    // Written from a thread of its own: gzip's output fills its pipe while the input is written.
    let writer = Thread {
      input.fileHandleForWriting.write(Data(data))
      try? input.fileHandleForWriting.close()
    }
    writer.start()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Array(out)
  }
}
