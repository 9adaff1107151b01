import CSQLite

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
public final class BackgroundCheckpointer: @unchecked Sendable {
  let store: Store
  let connection: SQLiteConnection
  /// WAL frames after a commit that ask for a checkpoint.
  let frames: Int32
  /// WAL frames after which the next write waits for the checkpoint, so that the WAL restarts.
  let restartFrames: Int32
  private var restartWanted = false
  private var running = false
  private var mutex = pthread_mutex_t()
  private var changed = pthread_cond_t()
  private var requested = false
  private var stopping = false
  private var thread: pthread_t?
  /// Checkpoints run, for tests and logs.
  public private(set) var runs = 0

  public init(store: Store, frames: Int32 = 1024, restartFrames: Int32 = Store.autoCheckpointPages)
    throws(StoreError)
  {
    self.store = store
    self.frames = frames
    self.restartFrames = restartFrames
    connection = try SQLiteConnection(path: store.connection.path)
    // A connection finds the WAL when it first reads; until then a checkpoint does nothing.
    _ = try connection.scalar("SELECT count(*) FROM sqlite_schema")
    pthread_mutex_init(&mutex, nil)
    pthread_cond_init(&changed, nil)
    var thread = pthread_t()
    let box = Unmanaged.passRetained(self)
    pthread_create(
      &thread, nil,
      { arg in
        Unmanaged<BackgroundCheckpointer>.fromOpaque(arg!).takeRetainedValue().run()
        return nil
      }, box.toOpaque())
    self.thread = thread
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

  deinit {
    pthread_cond_destroy(&changed)
    pthread_mutex_destroy(&mutex)
  }

  func request(restart: Bool) {
    pthread_mutex_lock(&mutex)
    requested = true
    if restart { restartWanted = true }
    pthread_cond_signal(&changed)
    pthread_mutex_unlock(&mutex)
  }

  func run() {
    while true {
      pthread_mutex_lock(&mutex)
      while !requested && !stopping { pthread_cond_wait(&changed, &mutex) }
      let stop = stopping
      requested = false
      running = !stop
      pthread_mutex_unlock(&mutex)
      if stop { return }
      _ = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
      pthread_mutex_lock(&mutex)
      runs += 1
      running = false
      pthread_cond_broadcast(&changed)
      pthread_mutex_unlock(&mutex)
    }
  }

  /// Called before each write: when the WAL has grown to `restartFrames`, waits until every
  /// committed frame has been copied, so that the transaction about to begin starts the WAL over.
  func waitForRestart() {
    pthread_mutex_lock(&mutex)
    if restartWanted {
      while (requested || running) && !stopping { pthread_cond_wait(&changed, &mutex) }
      restartWanted = false
    }
    pthread_mutex_unlock(&mutex)
  }

  /// Waits for a checkpoint under way, ends the thread and restores the store's own automatic
  /// checkpoints. Must be called before the store is used from another thread or closed.
  public func stop() {
    guard let thread else { return }
    sqlite3_wal_autocheckpoint(store.connection.handle, Store.autoCheckpointPages)
    store.beforeWrite = nil
    pthread_mutex_lock(&mutex)
    stopping = true
    pthread_cond_broadcast(&changed)
    pthread_mutex_unlock(&mutex)
    pthread_join(thread, nil)
    self.thread = nil
  }
}
