import Foundation
import Testing
import VigilCore
import VigilTestPeers
import VigilTestSupport

/// The live dashboard's streams section (issue 23) in headless chromium: streamed calls with
/// their time to first token, and the streams that failed after their 200 by class and by type.
@Suite(.serialized) struct DashboardStreamTests {
  @Test func theDashboardShowsTimeToFirstTokenAndFailedStreamsByType() async throws {
    let dir = TemporaryDirectory()
    ServeTests.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir)
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let sender = UDPSender(port: serve.udpPort)
    // 40 streams with a first token at 400 to 790 ms; two Anthropic overloads and a cut after the 200.
    for n in 0..<40 {
      let now = Double(WallClock.nowMs()) / 1000
      let failure =
        n < 2
        ? #","stream_outcome":"error_event","stream_error_type":"overloaded_error""#
        : n == 2 ? #","stream_outcome":"truncated""# : #","stream_outcome":"completed""#
      sender.send(
        #"{"ts":\#(now),"status":200,"provider":"anthropic","model":"claude","latency_ms":2000,"stream":true,"ttft_ms":\#(400 + n * 10)\#(failure)}"#
      )
    }
    #expect(await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(dir.file("v.db")) >= 40 })
    let (dom, console) = try DashboardTests.browse(serve.url("/"))
    #expect(console.isEmpty, "console: \(console)")
    #expect(
      dom.contains(#"<h2 id="streams">"#) && dom.contains(#"<table id="stream-metrics">"#),
      "\(dom.suffix(3000))")
    // P95 of 400...790 ms: the 38th value, 770 ms (within the histogram's 0.5%).
    let section = dom.components(separatedBy: #"<table id="stream-metrics">"#).last ?? ""
    #expect(section.contains("<td>capacity 2, network 1</td>"), "\(section.prefix(2000))")
    let p95 =
      section.matches(of: /<td>(\d+) ms<\/td>/).map { Double($0.output.1) ?? 0 }.dropFirst().first ?? 0
    #expect(abs(p95 - 770) / 770 < 0.01, "\(section.prefix(2000))")
    #expect(dom.contains(#"<table id="stream-types">"#) && dom.contains("<td>overloaded_error</td>"))
    #expect(serve.terminate() == 0)
  }
}
