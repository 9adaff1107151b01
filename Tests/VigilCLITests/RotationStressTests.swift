import Foundation
import Testing
import VigilSync
import VigilTestSupport

/// Real logrotate, rotating every 0.7 s while an application writes about 70,000 lines a
/// second, against `vigil ingest --follow` (`Tests/Peers/rotation_stress.py`): every line on disk
/// is stored exactly once, whatever the rotation mode.
@Suite(.serialized) struct RotationStressTests {
  static var script: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Peers/rotation_stress.py").path
  }

  @Test(arguments: ["copytruncate", "copytruncate-compress", "compress", "create-delaycompress"])
  func everyLineOnDiskIsStoredOnce(mode: String) async throws {
    let dir = TemporaryDirectory()
    let (status, data) = try await WorkerThread.run { [path = dir.file("run")] in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3", Self.script, VigilProcess.executable, path, mode, "4"]
      let out = Pipe()
      process.standardOutput = out
      try process.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (process.terminationStatus, data)
    }
    #expect(status == 0, "is logrotate installed? (Debian: apt-get install logrotate)")
    let result = try #require(
      try JSONSerialization.jsonObject(with: data) as? [String: Any],
      "\(String(decoding: data, as: UTF8.self))")
    let text = String(decoding: data, as: UTF8.self)
    #expect((result["rotations"] as? Int ?? 0) >= 4, "\(text)")
    // The writer runs for 4 s at whatever speed the (shared, busy) machine allows: about 100,000
    // lines alone, fewer beside the rest of the suite. What matters is rotations under a stream.
    #expect((result["on_disk"] as? Int ?? 0) > 20_000, "\(text)")
    #expect(result["dups"] as? Int == 0, "\(text)")
    #expect(result["missing"] as? Int == 0, "\(text)")
    #expect(result["vigil_status"] as? Int == 0, "\(text)")
  }
}
