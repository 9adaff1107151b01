import Testing

@testable import VigilCore

/// A batch's dimension values, interned: the last id per length is tried first, and values of
/// one length (openai, google) must not take each other's id.
@Suite struct DimensionsTests {
  @Test func randomValuesOfFewLengthsKeepOneIdEach() {
    var random = SeededRandom(seed: 23)
    var d = Dimensions()
    var ids: [String: Int32] = [CallRecord.unknown: Dimensions.unknown, "": Dimensions.empty]
    let values = (0..<300).map { k in
      String(repeating: "ab", count: k % 5) + "\(k % 37)" + ["", "x", "yz"][k % 3]
    }
    for _ in 0..<5_000 {
      let v = values.randomElement(using: &random)!
      let id = d.id(of: v)
      #expect(ids[v, default: id] == id, "\(v)")
      ids[v] = id
      #expect(d.values[Int(id)] == v)
    }
    #expect(Set(ids.values).count == ids.count && d.values.count == ids.count)
  }
}
