import CVigilBuild
import VigilCore

/// What `vigil --version` prints, as `prometheus --version` does: the version, the commit the
/// build is of (Package.swift finds it in a clone, a worktree or a `git archive` tarball, else
/// "unknown"), the Swift compiler, when it was built, and the platform.
enum BuildInfo {
  static var commit: String { String(cString: vigil_build_commit()) }

  /// The build date as `2026-12-07T14:50:00` (the compiler's local time) from C's `__DATE__`
  /// ("Dec  7 2026") and `__TIME__`.
  static var date: String {
    let parts = String(cString: vigil_build_date()).split(separator: " ")
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    guard parts.count == 3, let m = months.firstIndex(of: String(parts[0])), let d = Int(parts[1]) else {
      return "unknown"
    }
    let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    return "\(parts[2])-\(two(m + 1))-\(two(d))T\(String(cString: vigil_build_time()))"
  }

  static var swift: String {
    #if compiler(>=6.4)
      "6.4 or later"
    #elseif compiler(>=6.3)
      "6.3"
    #elseif compiler(>=6.2)
      "6.2"
    #else
      "before 6.2"
    #endif
  }

  static var platform: String {
    #if arch(x86_64)
      "linux/amd64"
    #elseif arch(arm64)
      "linux/arm64"
    #else
      "linux"
    #endif
  }

  static var text: String {
    """
    vigil, version \(VigilInfo.version) (revision: \(commit))
      build date:     \(date)
      swift version:  \(swift)
      platform:       \(platform)
    """
  }
}
