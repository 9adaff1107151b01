import Foundation
import Testing
import VigilSync
import VigilTestSupport

/// A database on a disk that fills up, for real: a small tmpfs mounted in a private mount
/// namespace (`unshare -rm`, so the test needs no privilege and touches no mount of the host).
@Suite(.serialized) struct FullDiskTests {
  /// Runs `script` with bash in a new user and mount namespace, where `$FULL` is a tmpfs of
  /// `megabytes` and `$VIGIL` the executable; returns its status and output.
  static func inSmallDisk(_ dir: TemporaryDirectory, megabytes: Int = 8, _ script: String) async throws -> (
    Int32, String
  ) {
    try await WorkerThread.run { [path = dir.path, full = dir.file("full")] in
      try run(path, full, megabytes, script)
    }
  }

  static func run(_ path: String, _ full: String, _ megabytes: Int, _ script: String) throws -> (
    Int32, String
  ) {
    try ToolRun.capture(
      "/usr/bin/unshare",
      [
        "-rm", "bash", "-c",
        "set -u; FULL='\(full)'; VIGIL='\(VigilProcess.executable)'; mkdir -p \"$FULL\" && "
          + "mount -t tmpfs -o size=\(megabytes)m tmpfs \"$FULL\" && cd '\(path)' && " + script,
      ])
  }

  static func value(_ name: String, in text: String) -> Int? {
    text.split(separator: "\n").first { $0.hasPrefix(name + "=") }.flatMap {
      Int($0.dropFirst(name.count + 1))
    }
  }

  @Test func anImportOnAFullDiskSaysHowManyLinesItStored() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("app.log"), LogFile.lines(0..<150_000))
    let (status, out) = try await Self.inSmallDisk(
      dir, megabytes: 3,
      """
      "$VIGIL" ingest --no-progress --db "$FULL/v.db" app.log; echo "status=$?"
      echo "rows=$(sqlite3 "$FULL/v.db" 'SELECT count(*) FROM calls')"
      """)
    #expect(status == 0, "\(out)")
    #expect(Self.value("status", in: out) == 2, "\(out)")
    #expect(out.contains("database or disk is full"), "\(out)")
    let rows = try #require(Self.value("rows", in: out), "\(out)")
    #expect(rows > 0 && rows < 150_000, "the disk must fill in the middle: \(out)")
    #expect(out.contains("150000 lines") == false)
    #expect(out.contains(": \(rows) stored"), "the summary counts what was stored: \(out)")
  }

  @Test func aFollowerOnAFullDiskHoldsItsLinesUntilThereIsRoomAndLosesNone() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("app.log"), LogFile.lines(0..<60_000))
    let (status, out) = try await Self.inSmallDisk(
      dir,
      """
      dd if=/dev/zero of="$FULL/filler" bs=1M count=6 2>/dev/null
      "$VIGIL" ingest --follow --poll-interval 50 --db "$FULL/v.db" app.log 2> follow.err &
      pid=$!
      for i in $(seq 300); do grep -q "storing failed" follow.err && break; sleep 0.1; done
      echo "failed=$(grep -c 'storing failed' follow.err)"
      rm "$FULL/filler"
      for i in $(seq 600); do
        n=$(sqlite3 "$FULL/v.db" 'SELECT count(*) FROM calls' 2>/dev/null || echo 0)
        [ "$n" = 60000 ] && break; sleep 0.1
      done
      kill -TERM $pid; wait $pid; echo "status=$?"
      echo "rows=$(sqlite3 "$FULL/v.db" 'SELECT count(*) FROM calls')"
      echo "distinct=$(sqlite3 "$FULL/v.db" 'SELECT count(DISTINCT request_id) FROM calls')"
      echo "checkpoint=$(sqlite3 "$FULL/v.db" 'SELECT offset FROM checkpoints')"
      echo "size=$(stat -c %s app.log)"
      cat follow.err
      """)
    #expect(status == 0, "\(out)")
    #expect((Self.value("failed", in: out) ?? 0) > 0, "the disk must fill: \(out)")
    #expect(Self.value("rows", in: out) == 60_000, "\(out)")
    #expect(Self.value("distinct", in: out) == 60_000, "\(out)")
    #expect(Self.value("checkpoint", in: out) == Self.value("size", in: out), "\(out)")
    #expect(out.contains("lines held, nothing skipped; retrying in"), "\(out)")
    #expect(out.contains("storing works again after"), "\(out)")
    #expect(Self.value("status", in: out) == 0, "\(out)")
  }
}
