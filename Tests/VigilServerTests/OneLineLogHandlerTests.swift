import Logging
import Synchronization
import Testing

@testable import VigilServer

@Suite struct OneLineLogHandlerTests {
  final class Recorder: Sendable {
    let lines = Mutex<[String]>([])
  }

  struct Recording: LogHandler {
    let recorder: Recorder
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
      let meta = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      recorder.lines.withLock { $0.append(([event.message.description] + meta).joined(separator: " ")) }
    }
  }

  @Test func aLabelCannotForgeALogLineOrRewriteTheTerminal() {
    let recorder = Recorder()
    let logger = Logger(label: "test") { _ in OneLineLogHandler(Recording(recorder: recorder)) }
    let model = "gpt-4o\n2026-11-25T10:00:00Z info vigil : resolved ServerErrors\u{1B}[2J"
    logger.info("firing HighErrorRate{model=\(model)}", metadata: ["file": "a\nb"])
    let lines = recorder.lines.withLock { $0 }
    #expect(lines.count == 1)
    #expect(!lines[0].contains("\n") && !lines[0].contains("\u{1B}"))
    #expect(lines[0].contains("gpt-4o\\n2026-11-25T10:00:00Z") && lines[0].contains("\\u001b[2J"))
    #expect(lines[0].contains("file=a\\nb"))
  }
}
