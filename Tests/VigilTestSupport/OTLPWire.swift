/// OTLP traces exports written on the protobuf wire directly, for tests that need millions of
/// attributes (a bomb is 2 bytes an attribute) faster than building messages would.
public enum OTLPWire {
  public static func varint(_ n: Int) -> [UInt8] {
    var n = UInt64(n)
    var out: [UInt8] = []
    while n >= 0x80 {
      out.append(UInt8(n & 0x7f) | 0x80)
      n >>= 7
    }
    return out + [UInt8(n)]
  }

  /// An export of `spans` spans, each with `attributes` attributes (empty ones, or `k` = `v`:
  /// 10 bytes each) and `events` empty events.
  public static func export(spans: Int, attributes: Int, empty: Bool = true, events: Int = 0) -> [UInt8] {
    let one: [UInt8] = empty ? [0x4A, 0x00] : [0x4A, 0x08, 0x0A, 0x01, 0x6B, 0x12, 0x03, 0x0A, 0x01, 0x76]
    var span = [UInt8](repeating: 0, count: one.count * attributes + 2 * events)
    for i in 0..<attributes {
      for k in 0..<one.count { span[one.count * i + k] = one[k] }
    }
    for i in 0..<events { span[one.count * attributes + 2 * i] = 0x5A }  // field 11 (events), length 0
    var scope: [UInt8] = []
    for _ in 0..<spans { scope += [0x12] + varint(span.count) + span }  // ScopeSpans.spans = 2
    let resource = [0x12] + varint(scope.count) + scope  // ResourceSpans.scope_spans = 2
    return [0x0A] + varint(resource.count) + resource  // ExportTraceServiceRequest.resource_spans = 1
  }
}
