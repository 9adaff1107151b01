// libFuzzer target: the small parsers of outside text. The first byte picks one: durations
// (alerts.yaml, flags, query parameters), Retry-After, RFC 3339 times, terminal escaping.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  guard count > 0 else { return 0 }
  let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: count - 1), as: UTF8.self)
  switch data[0] % 4 {
  case 0:
    if let ms = DurationText.parseMs(text) {
      precondition(ms >= 0 && ms <= DurationText.maxMs)
      precondition(DurationText.parseMs(DurationText.format(ms)) == ms)
    }
  case 1:
    if let wait = RetryAfter.parse(text, nowMs: 1_795_600_800_000) {
      precondition(wait >= 0 && wait <= RetryAfter.maxMs)
    }
  case 2:
    if let ms = Timestamp.parseRFC3339(text) { _ = Timestamp.formatRFC3339(ms) }
  default:
    precondition(!TerminalText.escape(text).unicodeScalars.contains(where: TerminalText.needsEscape))
  }
  return 0
}
