import Testing
import VigilConfig

/// vigil.yaml's settings for the HTTP intake's bounds: the body deadline and the memory all
/// requests may hold at once.
@Suite struct IntakeSettingsTests {
  @Test func bodyTimeoutAndIntakeMemoryAreRead() throws {
    let c = try ServeConfigLoader.load(
      yaml: "version: 1\nhttp:\n  body_timeout: 5s\n  intake_memory: 256MiB\n", file: "vigil.yaml")
    #expect(c.httpBodyTimeoutMs == 5_000 && c.intakeMemoryBytes == 256 << 20)
    let defaults = try ServeConfigLoader.load(yaml: "version: 1\n", file: "vigil.yaml")
    #expect(defaults.httpBodyTimeoutMs == 30_000 && defaults.intakeMemoryBytes == 512 << 20)
    #expect(defaults.restartOnlyChanges(to: c) == ["http"])
  }

  @Test func anIntakeMemoryTooSmallForOneRequestIsRefusedWithItsPlace() {
    do {
      _ = try ServeConfigLoader.load(yaml: "version: 1\nhttp:\n  intake_memory: 1MiB\n", file: "vigil.yaml")
      Issue.record("1MiB accepted")
    } catch {
      #expect(error.description.contains("vigil.yaml:3:18: intake_memory must be at least 64MiB"), "\(error)")
    }
  }
}
