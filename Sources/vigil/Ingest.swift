import ArgumentParser
import VigilCore
import VigilIngest
import VigilStore
import VigilSync

#if canImport(Glibc)
  import Glibc
#endif

struct Ingest: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Import call logs into the database, once or following live files.",
    discussion: """
      With FILE arguments, each file is read from where the last run stopped to its end, so running \
      the same command again adds only new lines. `-` reads standard input. `.gz` files are read \
      decompressed. With --follow, the arguments are glob patterns that are watched for new lines, \
      new files and rotation (rename-and-create or copytruncate) until interrupted.
      """)

  @OptionGroup var store: StoreOptions

  @Flag(name: .long, help: "Keep watching: arguments are glob patterns of live log files.")
  var follow = false

  @Option(
    name: .long, help: "With --follow, where to start in files that have no checkpoint: beginning or end.")
  var startAt: StartPosition = .beginning

  @Option(name: .long, help: "With --follow, how often to look for new lines and files, in milliseconds.")
  var pollInterval = Int(VigilDefaults.pollIntervalMs)

  @Option(name: .long, help: "Lines longer than this many bytes are rejected and skipped.")
  var maxLineBytes = VigilDefaults.maxLineBytes

  @Flag(name: .long, help: "Parse and count the lines, but store nothing (checkpoints included).")
  var dryRun = false

  @Flag(name: .long, help: "Never draw a progress bar; print plain progress lines instead.")
  var noProgress = false

  @Argument(help: "Files to import (`-` for stdin), or with --follow, glob patterns.")
  var inputs: [String]

  func validate() throws {
    guard !inputs.isEmpty else { throw ValidationError("name at least one FILE, or - for standard input") }
    guard maxLineBytes >= 1024, maxLineBytes <= CallBatch.maxLineBytes else {
      throw ValidationError("--max-line-bytes must be between 1024 and \(CallBatch.maxLineBytes) (1 GiB)")
    }
    guard pollInterval >= 10, pollInterval <= 60_000 else {
      throw ValidationError("--poll-interval must be between 10 and 60000 ms")
    }
    if follow && dryRun {
      throw ValidationError("--dry-run reads files once; it cannot be used with --follow")
    }
    if follow && inputs.contains("-") {
      throw ValidationError("--follow watches files; it cannot follow stdin")
    }
  }

  func run() throws {
    let database: Store
    do {
      database = try Store(path: store.db, busyTimeoutMs: store.busyTimeout)
    } catch {
      Console.error(error.description)
      throw ExitCode(2)
    }
    var options = IngestOptions()
    options.maxLineBytes = maxLineBytes
    options.dryRun = dryRun
    if follow {
      try runFollow(database, options)
    } else {
      try runOnce(database, options)
    }
  }

  func runOnce(_ database: Store, _ options: IngestOptions) throws {
    let importer = Importer(store: database, options: options)
    var failed = false
    var total = IngestStats()
    let started = Console.monotonicSeconds()
    let meter = ProgressMeter(enabled: !noProgress, terminal: Console.stderrIsTerminal)
    for input in inputs {
      do {
        let result =
          input == "-"
          ? try importer.ingestStream(fd: 0, progress: meter.update)
          : try importer.ingest(path: input, progress: meter.update)
        meter.finish()
        total.add(result.stats)
        for note in result.notes { Console.note(note) }
        if result.startOffset > 0 {
          Console.note("\(input): resumed at byte \(result.startOffset)")
        }
      } catch {
        meter.finish()
        var cause = error
        if let interrupted = error as? IngestInterrupted {
          // What was stored before the failure is committed and counts.
          total.add(interrupted.stored)
          cause = interrupted.cause
        }
        Console.error("\(cause)")
        failed = true
        if let storeError = cause as? StoreError, storeError.isBusy { break }
      }
    }
    let seconds = max(Console.monotonicSeconds() - started, 1e-9)
    Console.note(
      "\(total.lines) lines: \(total.stored) stored, \(total.rejected) rejected, \(total.blank) blank"
        + " in \(formatSeconds(seconds)) (\(Int(Double(total.lines) / seconds)) lines/s)"
        + (total.rejected > 0 ? "; `vigil rejects --db \(store.db)` lists the rejects" : ""))
    if failed { throw ExitCode(2) }
  }

  func runFollow(_ database: Store, _ options: IngestOptions) throws {
    var followOptions = FollowOptions()
    followOptions.ingest = options
    followOptions.startAt = startAt
    let follower = Follower(store: database, patterns: inputs, options: followOptions)
    let stop = Signals.install()
    Console.note("following \(inputs.joined(separator: " ")) (Ctrl-C to stop)")
    let total = FollowLoop(pollIntervalMs: Int64(pollInterval)).run(
      follower, wait: { stop.sleep(ms: $0) },
      report: { report in
        guard let message = report.message else { return }
        if case .failed = report { Console.error(message) } else { Console.note(message) }
      })
    Console.note("stopped: \(total.lines) lines, \(total.stored) stored, \(total.rejected) rejected")
  }
}

extension StartPosition: ExpressibleByArgument {}

func formatSeconds(_ s: Double) -> String {
  s < 10 ? "\(Double(Int(s * 100)) / 100) s" : "\(Int(s)) s"
}
