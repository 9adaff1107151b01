/// Writing JSON text by hand where a Codable round trip would cost more than it gives.
package enum JSONText {
  /// A JSON string literal for `s`, with the escapes RFC 8259 requires.
  package static func quote(_ s: String) -> String {
    var s = s
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count + 2)
    s.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends the JSON string literal of `utf8` (valid UTF-8) to `out`.
  package static func appendQuoted(_ utf8: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    let hex: StaticString = "0123456789abcdef"
    out.append(34)
    for b in utf8 {
      switch b {
      case 34: out += [92, 34]
      case 92: out += [92, 92]
      case 10: out += [92, 110]
      case 13: out += [92, 114]
      case 9: out += [92, 116]
      case 0..<0x20:
        out += [92, 117, 48, 48]
        out.append(hex.utf8Start[Int(b >> 4)])
        out.append(hex.utf8Start[Int(b & 15)])
      default: out.append(b)
      }
    }
    out.append(34)
  }

  /// A JSON number: integers without a fraction, others in Swift's shortest round-trip form.
  package static func number(_ d: Double) -> String {
    guard d.isFinite else { return "null" }
    if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    return "\(d)"
  }

  /// Appends ``number(_:)`` of `d` to `out`. A value with one decimal (a latency or a time to first
  /// token as loggers write them: 165.4) is written digit by digit, without the String of Swift's
  /// shortest form, which is the same text: below 1e14 no other number of one decimal or fewer
  /// lies as near to `d`.
  package static func appendNumber(_ d: Double, to out: inout [UInt8]) {
    let tenths = (d * 10).rounded()
    guard d.isFinite, d != d.rounded(), abs(tenths) < 1e15, tenths / 10 == d else {
      out += number(d).utf8
      return
    }
    var n = Int64(tenths)
    if n < 0 {
      out.append(45)  // -
      n = -n
    }
    let (whole, tenth) = n.quotientAndRemainder(dividingBy: 10)
    let start = out.count
    var q = whole
    repeat {
      out.append(48 + UInt8(q % 10))
      q /= 10
    } while q > 0
    out[start...].reverse()
    out.append(46)  // .
    out.append(48 + UInt8(tenth))
  }
}
