import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

/// One Alertmanager replica down, the other up (a real Alertmanager): a run tries the one that is
/// down once and says so once, the other gets every push at once, and "delivered" means the
/// cluster has it. Before, both replicas shared one queue: the one that was down held the other's
/// pushes, was retried for the whole --send-timeout (5-10 retry lines, 9-18 s a cron run), and
/// `notify test` called a push that one replica took "not delivered".
@Suite(.serialized) struct AlertmanagerReplicaDownTests {
  @Test func aReplicaThatIsDownCostsOneAttemptARunAndTheOtherHasEveryPush() async throws {
    let dir = TemporaryDirectory()
    let up = try AlertmanagerPushTests.Alertmanager(in: dir, name: "am-up")
    #expect(await up.ready(), "\(up.log)")
    let down = "http://127.0.0.1:\(try IntakePeerTests.freePort())"
    // The replica that is down is the first: its failure must not hold the second's push.
    LogFile.write(
      dir.file("alerts.yaml"),
      """
      version: 1
      receivers:
        - {name: am, type: alertmanager, urls: ["\(down)", "\(up.url)"], timeout: 2s}
      rules:
        - {alert: ServerErrors, metric: rate_5xx, threshold: 2%, window: 1m, min_requests: 5, group_by: [provider], receivers: [am]}

      """)
    CronJobTests.writeRecentIncident(dir.file("app.log"))
    let db = dir.file("v.db")
    let (status, out, err) = try await VigilProcess.run([
      "check", "--db", db, "--rules", dir.file("alerts.yaml"), "--quiet",
      dir.file("app.log"),
    ])
    #expect(status == 1, "\(out) \(err)")
    // One line for the replica that is down, not one per retry.
    let problems = err.split(separator: "\n").filter { $0.contains("delivery #") }
    #expect(problems.count == 1 && problems[0].contains("connection refused"), "\(err)")
    let names = try await up.alerts().compactMap { ($0["labels"] as? [String: String])?["alertname"] }
    #expect(names.contains("ServerErrors"), "the replica that is up has it: \(names)")
    // The push to the replica that is down was tried once and waits for the next run.
    let store = try Store(path: db)
    let pending = try store.outbox(states: [.pending])
    #expect(pending.count == 1 && pending[0].attempts == 1 && pending[0].message.groupKey == "replica 1")
    #expect(try store.outbox(states: [.delivered]).map(\.message.groupKey) == ["replica 2"])

    // `notify test`: the cluster has it when one replica does; the other is named.
    let (tested, note, problem) = try await VigilProcess.run([
      "notify", "test", "am", "--db", db, "--rules", dir.file("alerts.yaml"),
    ])
    #expect(tested == 0, "\(note) \(problem)")
    #expect(note.hasPrefix("delivered to am (not by replica 1 of 2"), "\(note)")
    #expect(problem.split(separator: "\n").filter { $0.contains("delivery #") }.count <= 2, "\(problem)")
    let all = try await up.alerts().compactMap { ($0["labels"] as? [String: String])?["alertname"] }
    #expect(all.contains("VigilTest"), "\(all)")
  }
}
