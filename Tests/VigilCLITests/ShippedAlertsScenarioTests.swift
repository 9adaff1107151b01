import Foundation
import Testing
import VigilTestPeers
import VigilTestSupport

/// The shipped alerts.yaml on single-cause incidents, with `check` run from cron every five
/// minutes: each incident reaches a webhook as exactly one firing message (naming its cause) and
/// one resolved message, and stdout announces it once and its end once.
@Suite(.serialized) struct ShippedAlertsScenarioTests {
  static let startS = 1_795_600_800  // 2026-11-25T10:00:00Z

  @Test(arguments: IncidentScenario.allCases)
  func anIncidentIsOneFiringAndOneResolvedMessagePerReceiver(_ scenario: IncidentScenario) async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    LogFile.write(log, scenario.lines(startS: Self.startS))
    let shipped = try String(contentsOfFile: "alerts.yaml", encoding: .utf8)
    LogFile.write(dir.file("alerts.yaml"), IncidentScenario.rulesWithHook(shipped))
    let hook = try await RecordingHTTPServer()
    defer { Task { await hook.close() } }
    var stdout: [String] = []
    // Cron: every five minutes from a few minutes before the incident to well after it.
    for minute in stride(from: 65, through: IncidentScenario.durationS / 60, by: 5) {
      let at = Self.startS + minute * 60
      let (status, out, err) = try await VigilProcess.run(
        ["check", "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml"), "--at", "\(at)", "--quiet"]
          + (minute == 65 ? [log] : []),
        environment: ["HOOK_URL": hook.url()])
      #expect(status == 0 || status == 1, "\(err)")
      #expect(!err.contains("not delivered"), "\(err)")
      stdout.append(out)
    }
    let messages = hook.requests.map(\.json)
    #expect(messages.count == 2, "\(scenario): \(messages.map { ($0["status"] ?? "", names($0)) })")
    let firing = try #require(messages.first)
    #expect(firing["status"] as? String == "firing")
    #expect((firing["groupLabels"] as? [String: String]) == ["provider": scenario.provider])
    // The page says what failed: the cause's alert, or the failures' class in a summary.
    let said = names(firing).joined(separator: " ") + summaries(firing)
    #expect(said.contains(scenario.causeText), "\(said)")
    if messages.count == 2 {
      #expect(messages[1]["status"] as? String == "resolved")
      #expect(names(messages[1]).contains(scenario.cause), "\(names(messages[1]))")
    }
    // stdout, a receiver too: one run announces the incident, a later one its end (tickets, on
    // their own receiver, aside).
    let incidentLines = { (word: String) in
      stdout.enumerated().filter { _, out in
        out.split(separator: "\n").contains { $0.contains(" \(word) ") && !$0.contains("Ticket") }
      }.map(\.offset)
    }
    #expect(incidentLines("FIRING").count == 1, "\(stdout)")
    #expect(incidentLines("RESOLVED").count == 1, "\(stdout)")
    #expect((incidentLines("FIRING").first ?? 0) < (incidentLines("RESOLVED").first ?? 0))
  }

  func summaries(_ message: [String: Any]) -> String {
    ((message["alerts"] as? [[String: Any]]) ?? []).compactMap {
      ($0["annotations"] as? [String: String])?["summary"]
    }.joined(separator: " ")
  }

  func names(_ message: [String: Any]) -> [String] {
    ((message["alerts"] as? [[String: Any]]) ?? []).compactMap {
      ($0["labels"] as? [String: String])?["alertname"]
    }
  }
}
