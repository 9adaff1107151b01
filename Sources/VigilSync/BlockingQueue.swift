/// A bounded queue between one producer thread and one consumer; either side can close it.
package final class BlockingQueue<Element: Sendable>: Sendable {
  struct State {
    var items: [Element] = []
    var closed = false
  }

  private let state = Locked(State())
  private let capacity: Int

  package init(capacity: Int) { self.capacity = capacity }

  /// Waits for room; `false` if the queue was closed (the consumer gave up).
  package func put(_ item: Element) -> Bool {
    let capacity = self.capacity
    let added = state.wait(
      until: { $0.items.count < capacity || $0.closed },
      then: { s -> Bool in
        guard !s.closed else { return false }
        s.items.append(item)
        return true
      })
    state.broadcast()
    return added
  }

  /// Waits for an item; `nil` once the queue is closed and empty.
  package func take() -> Element? {
    let item = state.wait(
      until: { !$0.items.isEmpty || $0.closed },
      then: { s -> Element? in
        s.items.isEmpty ? nil : s.items.removeFirst()
      })
    state.broadcast()
    return item
  }

  package func close() {
    state.withLock { $0.closed = true }
    state.broadcast()
  }
}
