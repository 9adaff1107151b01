import VigilCore
package import VigilStore

/// Moves what waits in the ``IntakeSpool`` into the database, in order and exactly once: each
/// batch carries the spool's checkpoint (the last entry it holds), committed with its calls, and
/// entries at or below the stored checkpoint are only removed, never stored again. Runs on one
/// thread, with a connection of its own to each file.
package final class IntakeSpoolDrain {
  let spool: IntakeSpool
  let store: Store
  let observer: (any IntakeObserver)?
  let maxLineBytes: Int
  /// One writer per door, sharing the drain's connection: calls are counted by the door they came
  /// through.
  var writers: [String: IntakeWriter] = [:]
  /// Lines of entries read per batch.
  static let maxBatchBytes = 16 << 20

  package init(
    spool: IntakeSpool, store: Store, observer: (any IntakeObserver)?,
    maxLineBytes: Int = CallBatch.maxLineBytes
  ) {
    self.spool = spool
    self.store = store
    self.observer = observer
    self.maxLineBytes = maxLineBytes
  }

  func writer(_ door: String) -> IntakeWriter {
    if let w = writers[door] { return w }
    let w = IntakeWriter(store: store, door: door, observer: observer)
    writers[door] = w
    return w
  }

  /// The spool's entries not yet stored.
  package var pendingEntries: Int64 { spool.pendingEntries }

  /// Stores what waits, batch by batch, each tried until it is stored or `giveUp()` says to stop.
  /// Returns the entries stored, or nil when it gave up with some left (they stay in the spool).
  @discardableResult
  package func drain(giveUp: () -> Bool) throws -> Int? {
    var stored = 0
    while true {
      let applied = try store.checkpoint(fingerprint: spool.fingerprint)?.offset ?? 0
      // Entries a crash left behind after their commit: stored already.
      try spool.remove(through: applied)
      let entries = try spool.entries(after: applied, maxBytes: Self.maxBatchBytes)
      guard !entries.isEmpty else { return stored }
      // One batch per run of entries through the same door and source.
      var k = 0
      while k < entries.count {
        var end = k + 1
        while end < entries.count, entries[end].door == entries[k].door,
          entries[end].source == entries[k].source
        {
          end += 1
        }
        let batch = self.batch(of: entries[k..<end])
        guard writer(entries[k].door).commit(batch, giveUp: giveUp) else { return nil }
        try spool.remove(through: entries[end - 1].seq)
        stored += end - k
        k = end
      }
    }
  }

  /// The calls and rejects of consecutive entries, with the spool's checkpoint after the last.
  func batch(of entries: ArraySlice<IntakeSpool.Entry>) -> IngestBatch {
    let first = entries[entries.startIndex]
    var processor = LineProcessor(source: first.source, lineNumber: 0)
    var rejects: [Reject] = []
    for entry in entries {
      entry.lines.withUnsafeBytes { bytes in
        LineSplitter.eachLine(inWhole: bytes, maxLineBytes: maxLineBytes) { processor.handle($0) }
      }
      rejects += entry.rejects
    }
    var batch = processor.takeBatch()
    batch.rejects += rejects
    batch.checkpoint = Checkpoint(
      fingerprint: spool.fingerprint, path: IntakeSpool.path(forDatabase: store.connection.path), device: 0,
      inode: 0, offset: entries[entries.endIndex - 1].seq, lineNumber: 0)
    return batch
  }
}
