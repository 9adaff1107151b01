import Dispatch
import Synchronization

/// A request to stop, seen at once by a loop that sleeps between rounds: the sleep ends when
/// the stop is asked for, so an idle loop needs no polling to notice it.
package final class StopSignal: Sendable {
  let requested = Atomic<Bool>(false)
  let wake = DispatchSemaphore(value: 0)

  package init() {}

  /// Asks the loop to stop; any thread, any number of times.
  package func stop() {
    if !requested.exchange(true, ordering: .acquiringAndReleasing) { wake.signal() }
  }

  package var isStopped: Bool { requested.load(ordering: .acquiring) }

  /// Sleeps `ms` milliseconds, or until a stop is asked for; returns whether to go on.
  package func sleep(ms: Int64) -> Bool {
    guard !isStopped else { return false }
    if wake.wait(timeout: .now() + .milliseconds(Int(clamping: ms))) == .success {
      wake.signal()  // keep it signalled for any later sleep
    }
    return !isStopped
  }
}
