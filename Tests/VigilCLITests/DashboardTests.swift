import Foundation
import Testing
import VigilStore
import VigilTestPeers
import VigilTestSupport

/// The live dashboard in a real headless browser (Debian's chromium): it loads with no console
/// message, shows the firing alert of an incident, escapes what it shows, and leaves a screenshot.
@Suite(.serialized) struct DashboardTests {
  /// Runs chromium headless on `url`: the DOM after load, and the console messages it logged.
  static func browse(_ url: String, screenshot: String? = nil) throws -> (dom: String, console: [String]) {
    let dir = TemporaryDirectory()
    var arguments = [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
      "--log-level=0", "--user-data-dir=\(dir.file("profile"))", "--window-size=1000,2600",
    ]
    arguments += screenshot.map { ["--screenshot=\($0)"] } ?? ["--dump-dom"]
    let process = Process()
    process.executableURL = URL(
      fileURLWithPath: try RequiredTool.path("/usr/bin/chromium", package: "chromium fonts-dejavu-core"))
    process.arguments = arguments + [url]
    _ = FileManager.default.createFile(atPath: dir.file("out"), contents: nil)
    _ = FileManager.default.createFile(atPath: dir.file("err"), contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("out")))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("err")))
    try process.run()
    #expect(VigilProcess.waitUntil(seconds: 90) { !process.isRunning }, "chromium did not finish")
    let dom = (try? String(contentsOfFile: dir.file("out"), encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: dir.file("err"), encoding: .utf8)) ?? ""
    return (dom, err.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init))
  }

  @Test func theConsoleCheckSeesAnError() async throws {
    // The check below must be able to fail: a page that logs an error is caught.
    let (_, console) = try Self.browse("data:text/html,<script>console.error('boom')</script><p>x</p>")
    #expect(console.contains { $0.contains("boom") })
  }

  @Test func theDashboardShowsTheFiringAlertWithNoConsoleMessage() async throws {
    let dir = TemporaryDirectory()
    ServeTests.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir)
    #expect(serve.waitUntilListening(), "\(serve.log)")
    // An incident on a provider whose name is markup, and healthy traffic elsewhere.
    let sender = UDPSender(port: serve.udpPort)
    let hostile = #"<img src=x onerror=alert(1)>"#
    for d in 0..<40 {
      sender.send(ServeTests.record("openai", status: d % 2 == 0 ? 500 : 200, d))
      sender.send(ServeTests.record(hostile, status: 200, d))
    }
    #expect(
      VigilProcess.waitUntil(seconds: 30) { serve.log.contains("firing ServerErrors{provider=openai}") },
      "\(serve.log)")
    try await Task.sleep(for: .milliseconds(300))
    let (dom, console) = try Self.browse(serve.url("/"))
    #expect(console.isEmpty, "console: \(console)")
    #expect(dom.contains(#"data-alert="ServerErrors""#) && dom.contains("FIRING"), "\(dom.prefix(2000))")
    #expect(dom.contains("provider=openai"))
    #expect(!dom.contains("<img") && dom.contains("&lt;img src=x onerror=alert(1)&gt;"))
    #expect(dom.contains("Error rate by provider") && dom.contains("<svg"))
    // A screenshot for people to look at: .build/test-artifacts/dashboard.png.
    let artifacts = FileManager.default.currentDirectoryPath + "/.build/test-artifacts"
    try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
    let png = artifacts + "/dashboard.png"
    try? FileManager.default.removeItem(atPath: png)
    _ = try Self.browse(serve.url("/"), screenshot: png)
    let size = (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
    #expect(size > 10_000, "screenshot at \(png): \(size) bytes")
    #expect(serve.terminate() == 0)
  }
}
