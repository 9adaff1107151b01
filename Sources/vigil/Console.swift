import ArgumentParser
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writing to stderr and stdout without Foundation, and the one-line failure every command ends with.
enum Console {
  /// One line, whatever the message holds (a path, a reason quoting input): control characters
  /// are escaped.
  static func error(_ message: String) {
    writeErr("vigil: \(TerminalText.escape(message))\n")
  }

  /// A success note (what was done: lines stored, a message delivered, a file written) on
  /// standard output, as promtool and amtool print theirs, not like an error; on stderr instead
  /// when standard output carries machine-readable lines (`--format json`).
  static func note(_ message: String, machineOutput: Bool = false) {
    if machineOutput {
      writeErr("\(TerminalText.escape(message))\n")
    } else {
      print(TerminalText.escape(message))
    }
  }

  /// Writes to file descriptor 2 directly (stdio's `stderr` is shared mutable state to Swift 6).
  static func writeErr(_ text: String) {
    var text = text
    text.withUTF8 { buf in
      var offset = 0
      while offset < buf.count {
        let n = write(2, buf.baseAddress! + offset, buf.count - offset)
        if n <= 0 { return }
        offset += n
      }
    }
  }

  static var stderrIsTerminal: Bool { isatty(2) == 1 }

  /// Seconds on a monotonic clock, for rates.
  static func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}

/// Exit codes: 0 fine, 1 alerts firing (check), 2 an error.
struct Failure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A command's work, with its failures reported the one way every command reports them: an
/// exit code passes through; any other error is one line on stderr and exit status 2.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let exit as ExitCode {
    throw exit
  } catch {
    Console.error("\(error)")
    throw ExitCode(2)
  }
}

/// ``reportingErrors(_:)`` for async work.
func reportingAsyncErrors<T>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch let exit as ExitCode {
    throw exit
  } catch {
    Console.error("\(error)")
    throw ExitCode(2)
  }
}
