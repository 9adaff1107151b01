import Foundation

/// A real SMTP server (Python's aiosmtpd, `Tests/Peers/smtp_peer.py`) in a child process, with a
/// self-signed certificate for 127.0.0.1 and localhost made by openssl for each test.
public final class SMTPPeer: @unchecked Sendable {
  public enum Mode: String, Sendable { case starttls, tls, plain }

  /// One message as the server received it.
  public struct Message {
    public var mailFrom: String
    public var rcptTos: [String]
    public var data: String
    public var tls: Bool
    public var authUser: String?
  }

  let process = Process()
  public let directory: String
  public let certificate: String
  public private(set) var port = 0

  /// Starts the server; `auth` as `user:password` requires AUTH (over TLS only).
  public init(directory: String, mode: Mode, auth: String? = nil) throws {
    self.directory = directory
    certificate = directory + "/cert.pem"
    let key = directory + "/key.pem"
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    openssl.arguments = [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2", "-keyout", key, "-out", certificate,
    ]
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    openssl.waitUntilExit()
    let out = directory + "/mail"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      ["python3", Self.script, "--out", out, "--mode", mode.rawValue, "--cert", certificate, "--key", key]
      + (auth.map { ["--auth", $0] } ?? [])
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    // The first line is "PORT n".
    var line = Data()
    while let byte = try pipe.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([10]) {
      line += byte
    }
    let text = String(decoding: line, as: UTF8.self)
    guard text.hasPrefix("PORT "), let p = Int(text.dropFirst(5)) else {
      process.terminate()
      throw CocoaError(
        .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "smtp peer did not start: \(text)"])
    }
    port = p
  }

  /// Starts the server on a thread of its own: making the certificate and starting Python take
  /// a second or more under load, and the few threads Swift concurrency shares among every test
  /// (two on this machine) must not wait for that while other tests' SMTP conversations run.
  public static func started(directory: String, mode: Mode, auth: String? = nil) async throws -> SMTPPeer {
    try await withCheckedThrowingContinuation { continuation in
      let thread = Thread {
        continuation.resume(with: Result { try SMTPPeer(directory: directory, mode: mode, auth: auth) })
      }
      thread.start()
    }
  }

  static var script: String {
    // Tests run from the package root (swift test) or with the source tree beside the build.
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    dir.appendPathComponent("Peers/smtp_peer.py")
    return dir.path
  }

  /// The messages received so far, oldest first.
  public var messages: [Message] {
    let out = directory + "/mail"
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter {
      $0.hasSuffix(".json")
    }.sorted()
    return files.compactMap { name in
      guard let data = FileManager.default.contents(atPath: out + "/" + name),
        let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
      else { return nil }
      return Message(
        mailFrom: o["mail_from"] as? String ?? "", rcptTos: o["rcpt_tos"] as? [String] ?? [],
        data: o["data"] as? String ?? "", tls: o["tls"] as? Bool ?? false, authUser: o["auth_user"] as? String
      )
    }
  }

  /// Kills the server. SIGKILL, because a child of a test process can inherit SIGTERM blocked;
  /// and a polled wait, because `waitUntilExit` spins a run loop off the main thread.
  public func stop() {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    for _ in 0..<500 where process.isRunning { usleep(10_000) }
  }

  deinit { if process.isRunning { stop() } }
}
