import Testing

@testable import VigilCore

/// A series key hashes its names once, when it is made: keys are equal, and hash alike, exactly
/// when their five names are (as `String` compares them), and order by their names.
@Suite struct SeriesKeyTests {
  @Test func randomKeysAreEqualAndHashAlikeExactlyWhenTheirNamesAre() {
    var random = SeededRandom(seed: 41)
    // Few short names, so that keys often share all but one field; "é" written two ways is one
    // name to `String`, and so to a key.
    let names = ["", "a", "b", "ab", "openai", "\u{e9}", "e\u{301}", "gpt-4o"]
    func name() -> String { names.randomElement(using: &random)! }
    var byHash: [SeriesKey: [String]] = [:]
    for _ in 0..<4_000 {
      let fields = (0..<5).map { _ in name() }
      let a = SeriesKey(
        provider: fields[0], model: fields[1], app: fields[2], env: fields[3], endpoint: fields[4])
      let b = SeriesKey(
        provider: fields[0], model: fields[1], app: fields[2], env: fields[3], endpoint: fields[4])
      #expect(a == b && a.hashValue == b.hashValue)
      var c = fields
      let changed = Int.random(in: 0..<5, using: &random)
      c[changed] = name()
      let other = SeriesKey(provider: c[0], model: c[1], app: c[2], env: c[3], endpoint: c[4])
      #expect((other == a) == (c == fields), "\(fields) \(c)")
      #expect((other < a) == c.lexicographicallyPrecedes(fields))
      if let known = byHash[a] { #expect(known == fields) }
      byHash[a] = fields
    }
    #expect(byHash.count > 1_000)
  }

  @Test func aKeyPrintsItsNames() {
    let key = SeriesKey(provider: "openai", model: "gpt-4o", app: "chat")
    #expect(
      "\(key)" == #"SeriesKey(provider: "openai", model: "gpt-4o", app: "chat", env: "", endpoint: "")"#)
  }
}
