#if canImport(Glibc)
  import Glibc
#endif

/// Reading a whole (small) file without Foundation: rules files, test files, profiling input.
enum FileContents {
  /// The file's bytes, or nil if it cannot be opened.
  static func read(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = fread(&buffer, 1, buffer.count, f)
      if n <= 0 { break }
      bytes.append(contentsOf: buffer[..<n])
    }
    return bytes
  }
}
