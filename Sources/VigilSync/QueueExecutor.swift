import Dispatch

/// An executor that runs its jobs one at a time on a dispatch queue of its own: the threads of
/// Swift's cooperative pool (one per core) never wait on SQLite, whatever an actor on it does.
package final class QueueExecutor: SerialExecutor, Sendable {
  let queue: DispatchQueue

  package init(label: String) { queue = DispatchQueue(label: label) }

  package func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
  }

  package func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}
