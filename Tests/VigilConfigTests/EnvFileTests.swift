import Testing
import VigilCore
import VigilTestSupport

@testable import VigilConfig

/// `--env-file`: the NAME=value lines systemd's EnvironmentFile and `set -a; . FILE` read, and
/// errors that never show a value (they are secrets).
@Suite struct EnvFileTests {
  @Test func theLinesASecretsFileHolds() throws {
    let values = try EnvFile.parse(
      """
      # Slack
      SLACK_WEBHOOK_URL=https://hooks.example/T0/B0/x=y

        export VIGIL_SMTP_PASSWORD="p@ss word"\r
      QUOTED='a#b'
      EMPTY=
      SLACK_WEBHOOK_URL=https://hooks.example/later
      """)
    #expect(
      values == [
        "SLACK_WEBHOOK_URL": "https://hooks.example/later", "VIGIL_SMTP_PASSWORD": "p@ss word",
        "QUOTED": "a#b",
        "EMPTY": "",
      ])
  }

  @Test func errorsNameTheLineButNeverTheValue() {
    for (text, line, reason) in [
      ("A=1\nsecret-without-equals", 2, "expected NAME=value"),
      ("9NAME=hunter2", 1, "the name before '=' must be"),
      ("\nTOKEN=\"hunter2", 2, "quote is not closed"),
    ] {
      #expect(throws: EnvFileError.self) { try EnvFile.parse(text) }
      do {
        _ = try EnvFile.parse(text)
      } catch {
        #expect(error.line == line && error.reason.contains(reason), "\(error)")
        #expect(!error.description.contains("hunter2") && !error.description.contains("secret"), "\(error)")
      }
    }
  }

  @Test func aFileThatCannotBeReadSaysWhy() throws {
    let dir = TemporaryDirectory()
    #expect(throws: EnvFileError.self) { try EnvFile.load(dir.file("missing.env")) }
    do { _ = try EnvFile.load(dir.path) } catch {
      #expect(error.description == "\(dir.path): not a regular file")
    }
    LogFile.write(dir.file("ok.env"), "HOOK_URL=http://127.0.0.1:1/hook\n")
    #expect(try EnvFile.load(dir.file("ok.env")) == ["HOOK_URL": "http://127.0.0.1:1/hook"])
  }

  /// Any bytes: a value or a clear error, never a crash, and no error quotes the input.
  @Test func anyTextIsParsedOrRefusedWithoutEchoingIt() {
    var rng = SeededRandom(seed: 0xE17F)
    let alphabet = Array("AZaz09_= \t\"'#\nexport \r\u{0}é=".unicodeScalars)
    for _ in 0..<5_000 {
      var text = ""
      for _ in 0..<Int(rng.next() % 40) {
        text.unicodeScalars.append(alphabet[Int(rng.next() % UInt64(alphabet.count))])
      }
      text += "=SECRETVALUE"
      do {
        _ = try EnvFile.parse(text)
      } catch {
        #expect(!error.description.contains("SECRETVALUE"))
      }
    }
  }
}
