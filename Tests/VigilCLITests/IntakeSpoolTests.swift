import Foundation
import Testing
import VigilStore
import VigilSync
import VigilTestPeers
import VigilTestSupport

/// Acknowledged means kept: while another process holds the database for longer than an
/// exporter waits for one batch (10 s for OpenTelemetry's Python exporter), exports are answered
/// from the intake spool and every span is stored once the database is free, none twice.
@Suite(.serialized) struct IntakeSpoolTests {
  @Test func theRealExporterLosesNothingWhileTheDatabaseIsLockedForLongerThanItWaits() async throws {
    #expect(
      PythonPeer.missing(["opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http"]).isEmpty,
      "pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http (scripts/test does)")
    let dir = TemporaryDirectory()
    LogFile.write(
      dir.file("alerts.yaml"),
      "version: 1\nrules:\n  - {alert: Errors, metric: error_rate, op: \">\", threshold: 0.5, window: 5m}\n")
    let serve = try ServeProcess(loopbackIn: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let db = dir.file("v.db")
    // Another process's write lock (a prune from cron, say) for 30 s: longer than the exporter's
    // start (its imports took more than 14 s in a loaded first run, and every export then came
    // after the lock) and its 10 s of exports together.
    let lock = try PythonPeer(
      [
        "python3", "-c",
        """
        import sqlite3, sys, time
        c = sqlite3.connect(sys.argv[1], isolation_level=None)
        c.execute("BEGIN IMMEDIATE")
        print("LOCKED", flush=True)
        time.sleep(30)
        c.execute("COMMIT")
        """, db,
      ], directory: dir.path)
    #expect(await VigilProcess.waitUntil(seconds: 20) { lock.log()?.contains("LOCKED") == true })
    let otlp = "http://127.0.0.1:\(serve.otlpPort)"
    let (status, output) = try await WorkerThread.run {
      try PythonPeer.run([
        "python3", PythonPeer.script("otlp_exporter.py"), "--otlp", otlp, "--batches", "20", "--spans", "10",
        "--interval", "0.5",
      ])
    }
    #expect(status == 0 && output.contains("EXPORTS 20 FAILED 0"), "\(output)\n\(serve.log)")
    // Nothing could be stored while the lock was held; all of it once it is released.
    #expect(await VigilProcess.waitUntil(seconds: 60) { VigilProcess.storedCalls(db) >= 200 }, "\(serve.log)")
    // The lock's process commits, then exits: stores can land in between.
    #expect(await VigilProcess.waitUntil(seconds: 10) { !lock.isRunning })
    #expect(VigilProcess.storedCalls(db) == 200)
    let store = try Store(path: db)
    #expect(try store.connection.scalar("SELECT count(*) FROM call_log WHERE source = 'otlp'") == 200)
    #expect(try store.connection.scalar("SELECT sum(attempts) FROM rollups") == 200)
    #expect(serve.log.contains("storing failed"), "\(serve.log)")
    #expect(serve.terminate() == 0, "\(serve.log)")
  }
}
