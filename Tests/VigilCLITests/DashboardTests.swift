import Foundation
import Testing
import VigilStore
import VigilSync
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
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    // An incident on a provider whose name is markup, and healthy traffic elsewhere.
    let sender = UDPSender(port: serve.udpPort)
    let hostile = #"<img src=x onerror=alert(1)>"#
    for d in 0..<40 {
      sender.send(ServeTests.record("openai", status: d % 2 == 0 ? 500 : 200, d))
      sender.send(ServeTests.record(hostile, status: 200, d))
    }
    #expect(
      await VigilProcess.waitUntil(seconds: 30) {
        serve.log.contains("firing ServerErrors{provider=openai}")
      },
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

  /// Incident-first (issue 15): window links, "firing for", the provider's own view linked from
  /// its alert, one colour per provider, errors by model and status; and with only old data, the
  /// default view moves to where the data is. Screenshots of each are left for people.
  @Test func theDashboardLeadsFromTheAlertToItsProvider() async throws {
    let dir = TemporaryDirectory()
    ServeTests.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir)
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let sender = UDPSender(port: serve.udpPort)
    for d in 0..<40 {
      sender.send(ServeTests.record("openai", status: d % 2 == 0 ? 500 : 200, d))
      sender.send(ServeTests.record("anthropic", status: 200, d))
    }
    #expect(
      await VigilProcess.waitUntil(seconds: 30) {
        serve.log.contains("firing ServerErrors{provider=openai}")
      },
      "\(serve.log)")
    let artifacts = FileManager.default.currentDirectoryPath + "/.build/test-artifacts"
    try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
    let home = serve.url("/")
    let (dom, console) = try await WorkerThread.run { try Self.browse(home) }
    #expect(console.isEmpty, "console: \(console)")
    #expect(
      dom.contains(#"<a href="/?window=1h" class="current" aria-current="page" data-window="1h">1h</a>"#))
    for w in ["15m", "6h", "24h"] { #expect(dom.contains(#"data-window="\#(w)">\#(w)</a>"#)) }
    // The alert says for how long it has fired, and leads to its provider's view.
    #expect(dom.contains(#"<span class="for">firing for "#), "\(dom.prefix(3000))")
    #expect(dom.contains(#"<a href="/?window=1h&amp;provider=openai" data-provider="openai">openai</a>"#))
    #expect(dom.contains(#"id="errors-by-model""#) && dom.contains(#"id="previous""#))
    let openai = ##"<span class="sw" style="background:#10a37f"></span>"##
    let anthropic = ##"<span class="sw" style="background:#d97757"></span>"##
    // The charts draw openai in the same colour (a line, or a dot while its calls fill one step).
    #expect(dom.contains(openai) && dom.contains(anthropic))
    #expect(dom.contains(##"stroke="#10a37f""##) || dom.contains(##"fill="#10a37f""##))
    _ = try await WorkerThread.run {
      try Self.browse(home, screenshot: artifacts + "/dashboard-incident.png")
    }
    // The provider's view: its calls alone, its alert, a way back.
    let url = serve.url("/?window=15m&provider=openai")
    let (view, viewConsole) = try await WorkerThread.run { try Self.browse(url) }
    #expect(viewConsole.isEmpty, "console: \(viewConsole)")
    #expect(view.contains(#"class="current" aria-current="page" data-window="15m">15m</a>"#))
    #expect(view.contains(#"id="all-providers""#) && view.contains(#"data-alert="ServerErrors""#))
    #expect(!view.contains(#"data-provider="anthropic""#) && view.contains("provider openai"))
    _ = try await WorkerThread.run { try Self.browse(url, screenshot: artifacts + "/dashboard-provider.png") }
    // A message's link (`?alert=NAME`): that alert's card first and marked, its provider marked.
    let linkedURL = serve.url("/?alert=ServerErrors")
    let (linked, _) = try await WorkerThread.run { try Self.browse(linkedURL) }
    #expect(
      linked.contains(#"<div class="card highlight" data-alert="ServerErrors" id="alert">"#),
      "\(linked.prefix(4000))")
    #expect(
      linked.contains(
        #"<mark class="highlight"><a href="/?window=1h&amp;provider=openai" data-provider="openai">"#))
    #expect(!linked.contains(#"<mark class="highlight"><a href="/?window=1h&amp;provider=anthropic""#))
    let goneURL = serve.url("/?alert=QuotaExhausted")
    let (gone, _) = try await WorkerThread.run { try Self.browse(goneURL) }
    #expect(gone.contains(#"id="alert-not-live""#) && !gone.contains(#"id="alert""#))
    #expect(serve.terminate() == 0)

    // Only last week's example log: the default view zooms to its last hour and says so.
    let old = TemporaryDirectory()
    ServeTests.rules(old.file("alerts.yaml"))
    let (status, _, _) = try await VigilProcess.run([
      "ingest", "--db", old.file("v.db"), "examples/incident.jsonl",
    ])
    #expect(status == 0)
    let quiet = try ServeProcess(loopbackIn: old)
    #expect(await quiet.waitUntilListening(), "\(quiet.log)")
    let quietHome = quiet.url("/")
    let (zoomed, _) = try await WorkerThread.run { try Self.browse(quietHome) }
    #expect(
      zoomed.contains(#"id="view-note""#) && zoomed.contains("No call in the last 1h"),
      "\(zoomed.prefix(2000))")
    #expect(zoomed.contains("Metrics per provider and model") && !zoomed.contains(#"id="empty""#))
    // Its window links stay on that data: 15m and 6h up to its last call, never a blank page.
    let last = "to=2026-11-20T10%3A00%3A10Z"
    #expect(
      zoomed.contains(#"<a href="/?window=15m&amp;\#(last)" data-window="15m">"#), "\(zoomed.prefix(3000))")
    for w in ["15m", "6h"] {
      let windowURL = quiet.url("/?window=\(w)&\(last)")
      let (page, _) = try await WorkerThread.run { try Self.browse(windowURL) }
      #expect(!page.contains(#"id="empty""#) && page.contains("Metrics per provider and model"), "\(w)")
    }
    // A range of its own, from the form's fields (UTC minutes): the half hour it names, its
    // fields filled in, the window links relative to its end.
    let rangeURL = quiet.url("/?from=2026-11-20T09%3A00&to=2026-11-20T09%3A30")
    let (range, rangeConsole) = try await WorkerThread.run { try Self.browse(rangeURL) }
    #expect(rangeConsole.isEmpty, "console: \(rangeConsole)")
    #expect(range.contains("2026-11-20T09:00:00Z to 2026-11-20T09:30:00Z") && !range.contains(#"id="empty""#))
    #expect(
      range.contains(#"name="from" value="2026-11-20T09:00""#)
        && range.contains(#"name="to" value="2026-11-20T09:30""#))
    #expect(range.contains(#"<a href="/?window=15m&amp;to=2026-11-20T09%3A30%3A00Z" data-window="15m">"#))
    #expect(range.contains(#"id="now""#))
    _ = try await WorkerThread.run {
      try Self.browse(quietHome, screenshot: artifacts + "/dashboard-zoomed.png")
    }
    // Asked for a window explicitly, it shows that window, empty or not.
    let quietHour = quiet.url("/?window=1h")
    let (asked, _) = try await WorkerThread.run { try Self.browse(quietHour) }
    #expect(asked.contains(#"id="empty""#) && !asked.contains(#"id="view-note""#))
    #expect(quiet.terminate() == 0)
  }
}
