#if canImport(Glibc)
  import Glibc
#endif

/// A bounded queue between one producer thread and one consumer; either side can close it.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
  private var mutex = pthread_mutex_t()
  private var changed = pthread_cond_t()
  private var items: [Element] = []
  private let capacity: Int
  private var closed = false

  init(capacity: Int) {
    self.capacity = capacity
    pthread_mutex_init(&mutex, nil)
    pthread_cond_init(&changed, nil)
  }

  deinit {
    pthread_cond_destroy(&changed)
    pthread_mutex_destroy(&mutex)
  }

  /// Waits for room; `false` if the queue was closed (the consumer gave up).
  func put(_ item: Element) -> Bool {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    while items.count >= capacity && !closed { pthread_cond_wait(&changed, &mutex) }
    guard !closed else { return false }
    items.append(item)
    pthread_cond_broadcast(&changed)
    return true
  }

  /// Waits for an item; `nil` once the queue is closed and empty.
  func take() -> Element? {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    while items.isEmpty && !closed { pthread_cond_wait(&changed, &mutex) }
    guard !items.isEmpty else { return nil }
    let item = items.removeFirst()
    pthread_cond_broadcast(&changed)
    return item
  }

  func close() {
    pthread_mutex_lock(&mutex)
    closed = true
    pthread_cond_broadcast(&changed)
    pthread_mutex_unlock(&mutex)
  }
}

/// Runs `body` on a new thread; `join()` waits for it.
final class WorkerThread: @unchecked Sendable {
  private var thread = pthread_t()
  private let body: @Sendable () -> Void

  init(_ body: @escaping @Sendable () -> Void) {
    self.body = body
    let box = Unmanaged.passRetained(self)
    pthread_create(
      &thread, nil,
      { arg in
        let worker = Unmanaged<WorkerThread>.fromOpaque(arg!).takeRetainedValue()
        worker.body()
        return nil
      }, box.toOpaque())
  }

  func join() { pthread_join(thread, nil) }
}
