#if canImport(Glibc)
  import Glibc
#endif

/// A fresh folder under /tmp for one test, removed when the value is released.
public final class TemporaryDirectory {
  public let path: String

  public init() {
    var template = Array("/tmp/vigil-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    path = String(cString: made!)
  }

  deinit { _ = system("rm -rf '\(path)'") }

  public func file(_ name: String) -> String { path + "/" + name }
}

/// Writing and changing log files the way applications and logrotate do.
public enum LogFile {
  /// A valid call-log line; `n` makes its request id (and so its first line) unique.
  public static func line(_ n: Int, status: Int = 200, prefix: String = "r") -> String {
    #"{"ts":\#(1_795_613_524 + n),"status":\#(status),"provider":"openai","model":"gpt-4o","latency_ms":\#(100 + n % 50),"request_id":"\#(prefix)\#(n)"}"#
  }

  public static func lines(_ range: Range<Int>, prefix: String = "r") -> String {
    range.map { line($0, prefix: prefix) + "\n" }.joined()
  }

  public static func write(_ path: String, _ text: String) {
    let f = fopen(path, "w")!
    fputs(text, f)
    fclose(f)
  }

  public static func append(_ path: String, _ text: String) {
    let f = fopen(path, "a")!
    fputs(text, f)
    fclose(f)
  }

  public static func appendBytes(_ path: String, _ bytes: [UInt8]) {
    let f = fopen(path, "a")!
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
  }

  public static func shell(_ command: String) {
    let rc = system(command)
    precondition(rc == 0, "failed: \(command)")
  }
}
