import Testing
import VigilConfig
import VigilCore

/// Bounded fuzzing of the incidents file: a valid one, mutated thousands of ways, is read or
/// refused with located errors; nothing traps, and what is read scores without trapping.
@Suite struct IncidentsFuzzTests {
  @Test func aMutatedIncidentsFileIsReadOrRefusedWithItsPlace() {
    let lines = IncidentsLoaderTests.good.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    var r = SeededRandom(seed: 22)
    var refused = 0
    for _ in 0..<1500 {
      let mutated = RulesFuzzTests.mutate(lines, using: &r)
      do {
        let file = try IncidentsLoader.load(yaml: mutated.joined(separator: "\n"), file: "incidents.yaml")
        let card = Scorecard(
          messages: [], file: file, receivers: ["stdout", "tickets"], rules: [], fired: [:], spanMs: 1)
        _ = card.checkGoals()
      } catch {
        refused += 1
        for e in error.errors { #expect(e.line >= 0 && e.column >= 0 && !e.message.isEmpty) }
      }
    }
    #expect(refused > 300, "the mutations must reach the refusing paths")
  }
}
