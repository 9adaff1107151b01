import Logging
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilSync
import VigilTestSupport

@testable import VigilServer

/// The daemon's loops on a clock the test moves: an idle daemon must sleep between ticks, not
/// spin (it once evaluated four times a second after a minute of idling).
@Suite struct ServiceLoopTests {
  static let start: Int64 = 1_800_000_000_000

  static func evaluationService(_ dir: TemporaryDirectory, _ state: ServerState, _ clock: ManualClock)
    throws -> EvaluationService<ManualClock>
  {
    var config = ServeConfig()
    config.db = dir.file("v.db")
    _ = try Store(path: config.db)
    var rules = RuleSet(rules: [
      AlertRule(name: "Errors", metric: .errorRate, threshold: 0.05, windowMs: 300_000)
    ])
    rules.evaluationIntervalMs = 15_000
    state.rules.set(rules)
    return EvaluationService(config: config, state: state, logger: Logger(label: "test"), clock: clock)
  }

  @Test func anIdleDaemonEvaluatesOncePerIntervalForAnHour() async throws {
    let dir = TemporaryDirectory()
    let clock = ManualClock(nowMs: Self.start)
    let state = ServerState()
    let service = try Self.evaluationService(dir, state, clock)
    let task = Task { try await service.run() }
    // An hour of idle time in 1-second steps: one evaluation at start, then one per 15 s.
    for _ in 0..<3600 {
      #expect(await clock.waitForSleeper())
      clock.advance(byMs: 1000)
    }
    #expect(await clock.waitForSleeper())
    #expect(state.evaluation.count == 241)
    // Asleep until the next tick, not a moment sooner.
    #expect(clock.nextDeadline == Self.start + 3_615_000)
    task.cancel()
    try await task.value
  }

  @Test func newDataIsEvaluatedSoonAfterButAtMostOncePerGap() async throws {
    let dir = TemporaryDirectory()
    let clock = ManualClock(nowMs: Self.start)
    let state = ServerState()
    let service = try Self.evaluationService(dir, state, clock)
    let task = Task { try await service.run() }
    #expect(await clock.waitForSleeper())
    clock.advance(byMs: 5000)
    #expect(await clock.waitForSleeper())
    #expect(state.evaluation.count == 1)
    // A burst of stored batches: one evaluation, right away (the last was 5 s ago).
    var begun = clock.sleepsBegun
    for _ in 0..<20 { state.dataArrived.signal() }
    #expect(await clock.waitForSleeper(after: begun))
    #expect(state.evaluation.count == 2)
    // More data at once: it waits out the 250 ms gap, then evaluates once.
    begun = clock.sleepsBegun
    state.dataArrived.signal()
    #expect(await clock.waitForSleeper(after: begun))
    #expect(state.evaluation.count == 2)
    #expect(clock.nextDeadline == Self.start + 5250)
    clock.advance(byMs: 250)
    #expect(await clock.waitForSleeper())
    #expect(state.evaluation.count == 3)
    // Then quiet again until the tick at 15 s.
    #expect(clock.nextDeadline == Self.start + 15_000)
    task.cancel()
    try await task.value
  }

  @Test func aWakeupThatTimedOutOrWasCancelledStillWorks() async throws {
    let clock = ManualClock(nowMs: Self.start)
    let wakeup = Wakeup()
    for round in 1...3 {
      async let waited = wakeup.wait(untilMs: Self.start + Int64(round) * 1000, clock: clock)
      #expect(await clock.waitForSleeper())
      clock.advance(byMs: 1000)
      #expect(await waited == false)
    }
    // A signal sent while nobody waits is kept for the next wait.
    wakeup.signal()
    #expect(await wakeup.wait(untilMs: Self.start + 10_000, clock: clock))
    // A signal while waiting ends the wait; a cancelled wait leaves nothing behind.
    let waiting = Task { await wakeup.wait(untilMs: Self.start + 20_000, clock: clock) }
    #expect(await clock.waitForSleeper())
    wakeup.signal()
    #expect(await waiting.value)
    let cancelled = Task { await wakeup.wait(untilMs: Self.start + 30_000, clock: clock) }
    #expect(await clock.waitForSleeper())
    cancelled.cancel()
    #expect(await cancelled.value == false)
    async let last = wakeup.wait(untilMs: Self.start + 40_000, clock: clock)
    #expect(await clock.waitForSleeper())
    wakeup.signal()
    #expect(await last)
  }
}

/// Delivery whose database cannot be opened (yet): it says so, tries again later on its clock,
/// and still stops cleanly (its HTTP client was once left running, which traps in debug builds).
@Suite struct DeliveryServiceStartTests {
  @Test func aDatabaseThatCannotBeOpenedIsRetriedAndTheServiceStopsCleanly() async throws {
    let dir = TemporaryDirectory()
    let clock = ManualClock(nowMs: ServiceLoopTests.start)
    var config = ServeConfig()
    config.db = dir.path  // a directory: no SQLite file can be opened there
    let service = DeliveryService(
      config: config, environment: [:], state: ServerState(), logger: Logger(label: "test"), clock: clock)
    let task = Task { try await service.run() }
    // It waits for the next attempt on its clock, twice, instead of ending.
    #expect(await clock.waitForSleeper())
    let first = clock.nextDeadline
    clock.advance(byMs: 60_000)
    #expect(await clock.waitForSleeper())
    #expect((clock.nextDeadline ?? 0) > (first ?? .max))
    task.cancel()
    try await task.value
  }
}
