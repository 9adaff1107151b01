import Dispatch
import VigilIngest
import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

/// SIGINT and SIGTERM as a stop request that loops see between rounds (so the round in progress
/// commits), and at once while they sleep. The signals are taken by dispatch sources, not a
/// handler, so that nothing runs in signal context.
enum Signals {
  nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []

  /// Starts listening for SIGINT and SIGTERM; call once, from the main thread.
  static func install() -> StopSignal {
    let stop = StopSignal()
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { stop.stop() }
      source.resume()
      sources.append(source)
    }
    // A parent may have started us with these blocked (the mask is inherited); take them back.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    return stop
  }
}
