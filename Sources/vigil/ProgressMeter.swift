import VigilIngest

#if canImport(Glibc)
  import Glibc
#endif

/// A progress bar on a terminal (rate, lines, rejects); a plain line every few seconds otherwise.
final class ProgressMeter {
  let enabled: Bool
  let terminal: Bool
  let started = Console.monotonicSeconds()
  lazy var lastPrint = started
  var drawn = false

  init(enabled: Bool, terminal: Bool) {
    self.enabled = enabled
    self.terminal = terminal
  }

  func update(_ p: IngestProgress) {
    guard enabled else { return }
    let now = Console.monotonicSeconds()
    let interval = terminal ? 0.1 : 5.0
    guard now - lastPrint >= interval else { return }
    lastPrint = now
    let rate = Int(Double(p.stats.lines) / max(now - started, 1e-9))
    let counts = "\(p.stats.lines) lines, \(p.stats.rejected) rejects, \(rate) lines/s"
    if terminal {
      var bar = ""
      if p.total > 0 {
        let fraction = min(1, Double(p.position) / Double(p.total))
        let width = 30
        let filled = Int(fraction * Double(width))
        bar =
          "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
          + "\(Int(fraction * 100))% "
      }
      Console.writeErr("\r\u{1B}[2K\(p.source): \(bar)\(counts)")
      drawn = true
    } else {
      Console.writeErr("vigil: \(p.source): \(counts)\n")
    }
  }

  func finish() {
    if drawn {
      Console.writeErr("\r\u{1B}[2K")
      drawn = false
    }
  }
}
