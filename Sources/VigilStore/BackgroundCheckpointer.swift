import CSQLite
import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

/// Checkpoints a store's WAL on a thread and connection of its own, so that the connection that
/// writes never stops to copy pages into the database file (SQLite's own automatic checkpoint
/// runs inside the commit that crosses the threshold). For bulk imports, where the writing thread
/// is the one everything waits for.
///
/// While it runs, the store's commits only ask for a checkpoint (through SQLite's WAL hook);
/// ``stop()`` gives the store its automatic checkpoints back. Passive checkpoints never block
/// the writer or readers, and what they have not copied yet is safe in the WAL.
///
/// SQLite starts the WAL file over only when a write transaction begins with every frame already
/// copied, which a checkpoint running beside the writer rarely allows. So once the WAL holds
/// `restartFrames`, the store's next write waits for the checkpoint under way to finish: the WAL
/// stays about as large as with SQLite's own automatic checkpoints.
package final class BackgroundCheckpointer: @unchecked Sendable {
  // The store and connection are used by one thread each (the writer's and this one's); what
  // the two share is in `state`, under its lock.
  let store: Store
  let connection: SQLiteConnection
  /// WAL frames after a commit that ask for a checkpoint.
  let frames: Int32
  /// WAL frames after which the next write waits for the checkpoint, so that the WAL restarts.
  let restartFrames: Int32

  struct State {
    var requested = false
    var restartWanted = false
    var running = false
    var stopping = false
    var runs = 0
  }

  let state = Locked(State())
  private var thread: WorkerThread?

  /// Checkpoints run, for tests and logs.
  package var runs: Int { state.withLock { $0.runs } }

  package init(store: Store, frames: Int32 = 1024, restartFrames: Int32 = Store.autoCheckpointPages)
    throws(StoreError)
  {
    self.store = store
    self.frames = frames
    self.restartFrames = restartFrames
    connection = try SQLiteConnection(path: store.connection.path)
    // A connection finds the WAL when it first reads; until then a checkpoint does nothing.
    _ = try connection.scalar("SELECT count(*) FROM sqlite_schema")
    thread = WorkerThread { [self] in run() }
    sqlite3_wal_hook(
      store.connection.handle,
      { context, _, _, frames in
        let checkpointer = Unmanaged<BackgroundCheckpointer>.fromOpaque(context!).takeUnretainedValue()
        if frames >= checkpointer.frames {
          checkpointer.request(restart: frames >= checkpointer.restartFrames)
        }
        return SQLITE_OK
      }, Unmanaged.passUnretained(self).toOpaque())
    store.beforeWrite = { [unowned self] in waitForRestart() }
  }

  func request(restart: Bool) {
    state.withLock {
      $0.requested = true
      if restart { $0.restartWanted = true }
    }
    state.broadcast()
  }

  func run() {
    while true {
      let stop = state.wait(
        until: { $0.requested || $0.stopping },
        then: { s -> Bool in
          s.requested = false
          s.running = !s.stopping
          return s.stopping
        })
      if stop { return }
      _ = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
      state.withLock {
        $0.runs += 1
        $0.running = false
      }
      state.broadcast()
    }
  }

  /// Called before each write: when the WAL has grown to `restartFrames`, waits until every
  /// committed frame has been copied, so that the transaction about to begin starts the WAL over.
  func waitForRestart() {
    guard state.withLock({ $0.restartWanted }) else { return }
    state.wait(until: { !($0.requested || $0.running) || $0.stopping }, then: { $0.restartWanted = false })
  }

  /// Waits for a checkpoint under way, ends the thread and restores the store's own automatic
  /// checkpoints. Must be called before the store is used from another thread or closed.
  package func stop() {
    guard let thread else { return }
    sqlite3_wal_autocheckpoint(store.connection.handle, Store.autoCheckpointPages)
    store.beforeWrite = nil
    state.withLock { $0.stopping = true }
    state.broadcast()
    thread.join()
    self.thread = nil
  }
}
