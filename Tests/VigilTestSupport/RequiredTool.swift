import Foundation

/// A program a test runs (promtool, amtool, chromium, systemd-analyze): its path, or an error that
/// names the missing package, so that a test on a machine without it fails saying why.
public enum RequiredTool {
  public struct Missing: Error, CustomStringConvertible {
    public var description: String
  }

  /// `path` when it is there to run.
  public static func path(_ path: String, package: String) throws -> String {
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw Missing(
        description:
          "\(path) is missing: apt-get install \(package) (scripts/test installs it when run as root)")
    }
    return path
  }
}
