#if canImport(Glibc)
  import Glibc
#endif

/// A configuration file's text, or why it cannot be one. Only a regular file of at most
/// `maxBytes` is read (not a device such as /dev/zero, not a file of /proc or /sys such as
/// /proc/self/environ), and it must be text: no error can then quote what such a file holds.
func readTextFile(_ path: String, maxBytes: Int = 4 << 20) -> Result<String, TextFileProblem> {
  let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
  guard fd >= 0 else { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
  defer { close(fd) }
  var st = stat()
  guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegular) }
  guard st.st_size <= maxBytes else { return .failure(.tooLarge(maxBytes)) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 && errno == EINTR { continue }
    guard n >= 0 else { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
    if n == 0 { break }
    bytes.append(contentsOf: buffer[..<n])
    guard bytes.count <= maxBytes else { return .failure(.tooLarge(maxBytes)) }
    // A "regular" file that says it is empty yet has content is made up by the kernel as it is
    // read (/proc/self/environ, /sys/...): not a configuration file.
    if st.st_size == 0 { return .failure(.pseudo) }
  }
  guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
    return .failure(.notText)
  }
  return .success(text)
}

/// Why a configuration file was not read.
enum TextFileProblem: Error, CustomStringConvertible {
  case cannotOpen(String)
  case notRegular
  case pseudo
  case tooLarge(Int)
  case notText

  var description: String {
    switch self {
    case .cannotOpen(let reason): "cannot read the file: \(reason)"
    case .notRegular: "not a regular file"
    case .pseudo: "a file of /proc or /sys, not a configuration file"
    case .tooLarge(let max): "larger than \(max >> 20) MiB, too large for a configuration file"
    case .notText: "not a text file (UTF-8, without NUL bytes)"
    }
  }
}
