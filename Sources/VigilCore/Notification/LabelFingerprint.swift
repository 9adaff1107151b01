/// Fingerprints of label sets: FNV-1a over the sorted pairs, as 16 hex digits.
package enum LabelFingerprint {
  package static func of(_ labels: [String: String]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ s: String) {
      for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
      }
    }
    for (k, v) in labels.sorted(by: { $0.key < $1.key }) {
      mix(k)
      mix("\u{1}")
      mix(v)
      mix("\u{2}")
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
