#if canImport(Glibc)
  import Glibc
#endif

/// A fresh folder under /tmp for one test, removed when the value is released.
final class TemporaryDirectory {
  let path: String

  init() {
    var template = Array("/tmp/vigil-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    path = String(cString: made!)
  }

  deinit { _ = system("rm -rf '\(path)'") }

  func file(_ name: String) -> String { path + "/" + name }
}
