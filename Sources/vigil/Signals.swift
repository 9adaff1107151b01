import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// SIGINT/SIGTERM as a flag that loops check between rounds, so the round in progress commits.
enum Signals {
  static let stop = Atomic<Bool>(false)

  static var stopRequested: Bool { stop.load(ordering: .relaxed) }

  static func install() {
    signal(SIGINT) { _ in Signals.stop.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in Signals.stop.store(true, ordering: .relaxed) }
    // A parent may have started us with these blocked (the mask is inherited); take them back.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }
}
