/// The bytes the call-log parser looks for, by name. Compile-time constants: comparing with them
/// costs exactly what comparing with the number does.
enum ASCII {
  static let backspace: UInt8 = 8
  static let tab: UInt8 = 9
  static let lineFeed: UInt8 = 10
  static let formFeed: UInt8 = 12
  static let carriageReturn: UInt8 = 13
  static let space: UInt8 = 32
  static let quote: UInt8 = 34
  static let plus: UInt8 = 43
  static let comma: UInt8 = 44
  static let minus: UInt8 = 45
  static let dot: UInt8 = 46
  static let slash: UInt8 = 47
  static let zero: UInt8 = 48
  static let nine: UInt8 = 57
  static let colon: UInt8 = 58
  static let upperA: UInt8 = 65
  static let upperE: UInt8 = 69
  static let upperF: UInt8 = 70
  static let openBracket: UInt8 = 91
  static let backslash: UInt8 = 92
  static let closeBracket: UInt8 = 93
  static let lowerA: UInt8 = 97
  static let lowerB: UInt8 = 98
  static let lowerE: UInt8 = 101
  static let lowerF: UInt8 = 102
  static let lowerN: UInt8 = 110
  static let lowerR: UInt8 = 114
  static let lowerT: UInt8 = 116
  static let lowerU: UInt8 = 117
  static let openBrace: UInt8 = 123
  static let closeBrace: UInt8 = 125
  /// Bytes from here on are not ASCII: part of a multi-byte UTF-8 sequence.
  static let firstNonASCII: UInt8 = 0x80

  @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= zero && c <= nine }
}
