import VigilCore
import Yams

#if canImport(Glibc)
  import Glibc
#endif

/// Reads YAML configuration (alerts.yaml, vigil.yaml, rule test files) on behalf of their schemas,
/// which extend it: every problem is collected with its file, line and column, an unknown key is
/// reported with the nearest known one ("did you mean"), and a file is refused as a whole when
/// anything is wrong.
struct YAMLReader {
  /// Runs `parse` over YAML text: its result, or every error found, in the order of the file.
  static func load<T>(yaml: String, file: String, _ parse: (inout YAMLReader, String) -> T?)
    throws(ConfigErrors)
    -> T
  {
    var reader = YAMLReader(file: file)
    let result = parse(&reader, yaml)
    guard reader.errors.isEmpty, let result else {
      throw ConfigErrors(errors: reader.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
    }
    return result
  }

  /// Reads a configuration file (see ``readTextFile(_:maxBytes:)``) and runs `parse` over it.
  static func load<T>(path: String, _ parse: (inout YAMLReader, String) -> T?) throws(ConfigErrors) -> T {
    switch readTextFile(path) {
    case .success(let text): return try load(yaml: text, file: path, parse)
    case .failure(let problem):
      throw ConfigErrors(errors: [ConfigError(file: path, line: 0, column: 0, message: problem.description)])
    }
  }

  /// The file name used in messages (the included file while one is read).
  var file: String

  var errors: [ConfigError] = []

  init(file: String) { self.file = file }

  mutating func fail(_ node: Node?, _ message: String) {
    errors.append(
      ConfigError(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message))
  }

  /// The mapping's entries by key, reporting unknown keys with the nearest known one.
  mutating func entries(_ node: Node, known: [String], what: String) -> [String: Node] {
    guard let mapping = node.mapping else {
      fail(node, "\(what) must be a mapping of keys to values")
      return [:]
    }
    var out: [String: Node] = [:]
    for (k, v) in mapping {
      guard let key = k.string else {
        fail(k, "keys must be strings")
        continue
      }
      if !known.contains(key) {
        // A secret given in the file where only its variable's name is accepted: say so.
        let suggestion = known.contains(key + "_env") ? key + "_env" : nearest(key, known)
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        fail(k, "unknown key '\(key)' in \(what)\(hint)")
        continue
      }
      if out[key] != nil { fail(k, "duplicate key '\(key)' in \(what)") }
      out[key] = v
    }
    return out
  }

  /// The YAML document of `text`, or nil after reporting its syntax error. Without
  /// `quotingContent` (a file included from another, which may be anything), errors say what and
  /// where, never the file's words (the keys a mapping has twice).
  mutating func compose(_ text: String, quotingContent: Bool = true, ifEmpty: String = "the file is empty")
    -> Node?
  {
    do {
      guard let node = try Yams.compose(yaml: text) else {
        fail(nil, ifEmpty)
        return nil
      }
      return node
    } catch let error as YamlError {
      errors.append(yamlError(error, quotingContent: quotingContent))
    } catch {
      errors.append(
        ConfigError(
          file: file, line: 1, column: 1, message: quotingContent ? "\(error)" : "not a YAML file"))
    }
    return nil
  }

  func yamlError(_ error: YamlError, quotingContent: Bool = true) -> ConfigError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let detail = context.map { " \($0.text)" } ?? ""
      return ConfigError(
        file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)\(detail)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return ConfigError(
        file: file, line: context.mark.line, column: context.mark.column,
        message: quotingContent ? "duplicate keys \(duplicates.joined(separator: ", "))" : "duplicate keys")
    case .reader(let problem, let offset, _, _):
      // Never the text around it: it could be anything the file holds.
      return ConfigError(
        file: file, line: 1, column: 1, message: "YAML: \(problem) (byte \(offset.map(String.init) ?? "?"))")
    default:
      return ConfigError(
        file: file, line: 1, column: 1, message: quotingContent ? "YAML: \(error)" : "YAML: not a YAML file")
    }
  }

  func isEnvName(_ s: String) -> Bool {
    !s.isEmpty && s.first.map { !$0.isNumber } == true
      && s.unicodeScalars.allSatisfy {
        $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
      }
  }

  mutating func string(_ node: Node) -> String? {
    guard let s = node.scalar?.string else {
      fail(node, "expected a string")
      return nil
    }
    return s
  }

  mutating func strings(_ node: Node) -> [String] {
    if let s = node.scalar?.string { return [s] }
    guard let list = node.sequence else {
      fail(node, "expected a list of strings")
      return []
    }
    return list.compactMap { string($0) }
  }

  mutating func duration(_ node: Node, positive: Bool) -> Int64? {
    guard let text = node.scalar?.string, let ms = DurationText.parseMs(text) else {
      let text = node.scalar?.string ?? "?"
      let sign = text.hasPrefix("-") ? " (durations cannot be negative)" : ""
      fail(node, (DurationText.problem(text) ?? "'\(text)' is not a duration") + sign)
      return nil
    }
    if positive && ms == 0 {
      fail(node, "the duration must be more than 0")
      return nil
    }
    return ms
  }

  mutating func count(_ node: Node) -> Int64? {
    guard let v = node.int, v >= 0 else {
      fail(node, "expected a whole number of 0 or more")
      return nil
    }
    return Int64(v)
  }

  func isLabelName(_ s: String) -> Bool {
    !s.isEmpty
      && s.unicodeScalars.allSatisfy {
        $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
      }
  }
}

/// The known word closest to `word` by edit distance, if it is close enough to be a typo.
func nearest(_ word: String, _ known: [String]) -> String? {
  let best = known.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
  guard let best, best.1 <= max(2, word.count / 3) else { return nil }
  return best.0
}

func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty { return b.count }
  var previous = Array(0...b.count)
  for i in 1...a.count {
    var current = [i] + [Int](repeating: 0, count: b.count)
    for j in 1...max(b.count, 1) where j <= b.count {
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.count]
}

extension StringProtocol {
  func trimmingCharacters(_ c: Character) -> String {
    String(drop { $0 == c }.reversed().drop { $0 == c }.reversed())
  }
}
