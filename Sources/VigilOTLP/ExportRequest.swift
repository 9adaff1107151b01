import SwiftProtobuf

/// An OTLP export request Vigil decodes (traces or logs), and what it holds once decoded: the
/// shape OTLP/JSON's requests are held to (their decoding was bounded by their count of JSON
/// values; protobuf's are counted before decoding, by ``WireShape``).
protocol ExportRequest: SwiftProtobuf.Message {
  static var logs: Bool { get }
  var shape: ExportShape { get }
}

extension Vigil_Otlp_V1_ExportTraceServiceRequest: ExportRequest {
  static var logs: Bool { false }

  var shape: ExportShape {
    var s = ExportShape()
    for rs in resourceSpans {
      s.count(rs.resource.attributes)
      for ss in rs.scopeSpans {
        s.count(ss.scope.attributes)
        for span in ss.spans {
          s.items += 1
          s.mostInOneItem = max(s.mostInOneItem, s.count(span.attributes))
          for event in span.events { s.count(event.attributes) }
        }
      }
    }
    return s
  }
}

extension Vigil_Otlp_V1_ExportLogsServiceRequest: ExportRequest {
  static var logs: Bool { true }

  var shape: ExportShape {
    var s = ExportShape()
    for rl in resourceLogs {
      s.count(rl.resource.attributes)
      for sl in rl.scopeLogs {
        s.count(sl.scope.attributes)
        for record in sl.logRecords {
          s.items += 1
          s.mostInOneItem = max(s.mostInOneItem, s.count(record.attributes) + s.count(record.body))
        }
      }
    }
    return s
  }
}

extension ExportShape {
  /// Counts attributes and the values inside them; returns how many.
  @discardableResult
  mutating func count(_ list: [Vigil_Otlp_V1_KeyValue]) -> Int {
    var n = list.count
    attributes += list.count
    for kv in list { n += count(kv.value) }
    return n
  }

  /// Counts the elements of a list or map value, nested ones included; returns how many.
  mutating func count(_ value: Vigil_Otlp_V1_AnyValue) -> Int {
    switch value.value {
    case .arrayValue(let list):
      var n = list.values.count
      self.attributes += list.values.count
      for v in list.values { n += count(v) }
      return n
    case .kvlistValue(let map): return count(map.values)
    default: return 0
    }
  }
}
