/// A secrets file of `NAME=value` lines, as systemd's `EnvironmentFile=` and `set -a; . FILE` read
/// it: what `vigil check --env-file` (from cron) and the other delivering commands take, so that
/// one command line, one redirect and one file readable by the vigil group are all cron needs.
///
/// Accepted per line: blank lines, `#` comments, an optional `export ` prefix, `NAME=value` where
/// NAME is a shell variable name, and a value optionally in single or double quotes (as a whole).
/// Errors name the line and what is wrong with it, never the value: these are secrets.
package enum EnvFile {
  /// The variables of the file at `path`, or a ``ConfigError`` naming the file and line.
  package static func load(_ path: String) throws(EnvFileError) -> [String: String] {
    switch readTextFile(path, maxBytes: 1 << 20) {
    case .failure(let problem): throw EnvFileError(path: path, line: nil, reason: problem.description)
    case .success(let text):
      do throws(EnvFileError) {
        return try parse(text)
      } catch {
        throw EnvFileError(path: path, line: error.line, reason: error.reason)
      }
    }
  }

  /// The variables `text` sets; a later line wins over an earlier one.
  package static func parse(_ text: String) throws(EnvFileError) -> [String: String] {
    var values: [String: String] = [:]
    var number = 0
    // "\r\n" is one Character in Swift: a file written on Windows splits on it too.
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    for raw in lines {
      number += 1
      var line = Substring(raw)
      line = line.drop(while: { $0 == " " || $0 == "\t" })
      if line.isEmpty || line.hasPrefix("#") { continue }
      if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop(while: { $0 == " " }) }
      guard let eq = line.firstIndex(of: "=") else {
        throw EnvFileError(path: nil, line: number, reason: "expected NAME=value")
      }
      let name = String(line[..<eq])
      guard isName(name) else {
        throw EnvFileError(
          path: nil, line: number,
          reason: "the name before '=' must be letters, digits and '_', not starting with a digit")
      }
      var value = Substring(line[line.index(after: eq)...])
      while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
      if value.count >= 2, let first = value.first, first == "\"" || first == "'" {
        guard value.last == first else {
          throw EnvFileError(
            path: nil, line: number, reason: "the value's quote is not closed at the end of the line")
        }
        value = value.dropFirst().dropLast()
      }
      values[name] = String(value)
    }
    return values
  }

  static func isName(_ name: String) -> Bool {
    guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
      return false
    }
    return name.utf8.allSatisfy { b in
      b == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b)
        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }
  }
}

/// Why an env file was not read: the file, the line when one is at fault, and the reason (never
/// the line's text, which holds a secret).
package struct EnvFileError: Error, CustomStringConvertible, Equatable {
  package var path: String?
  package var line: Int?
  package var reason: String

  package var description: String {
    var place = path ?? "env file"
    if let line { place += ":\(line)" }
    return "\(place): \(reason)"
  }
}
