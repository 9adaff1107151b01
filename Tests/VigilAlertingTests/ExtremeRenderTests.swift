import Foundation
import Testing
import VigilAlerting
import VigilCore
import VigilTestSupport

/// The alerts of every metric kind evaluated at the edges (see ``ExtremeValues``), through every
/// receiver's renderer: nothing traps, and each body is what its receiver parses.
@Suite struct ExtremeRenderTests {
  static let receivers: [Receiver] = {
    var out: [Receiver] = [
      Receiver(name: "text", kind: .stdout(json: false)), Receiver(name: "lines", kind: .stdout(json: true)),
      Receiver(
        name: "am", kind: .alertmanager(AlertmanagerReceiver(urls: [.literal("http://127.0.0.1:1/")]))),
      Receiver(
        name: "mail",
        kind: .email(
          EmailReceiver(host: "127.0.0.1", port: 25, from: "vigil@localhost", to: ["ops@localhost"]))),
    ]
    for format in PayloadFormat.allCases {
      var w = WebhookReceiver(url: .literal("http://127.0.0.1:1/"))
      w.format = format
      w.maxAlerts = 3
      w.template =
        #"{"text": "{{title}}", "alerts": [{{#alerts}}{"v": "{{value}}", "t": "{{threshold}}", "s": "{{summary}}", "at": "{{starts_at}}", "end": "{{ends_at}}"},{{/alerts}}{}]}"#
      out.append(Receiver(name: format.rawValue, kind: .webhook(w)))
    }
    return out
  }()

  static func json(_ body: [UInt8]) -> Any? { try? JSONSerialization.jsonObject(with: Data(body)) }

  @Test(arguments: 0..<2 as Range<UInt64>)
  func everyReceiverRendersAlertsAtTheEdges(seed: UInt64) throws {
    let (set, evaluations) = try ExtremeValues.evaluations(seed: seed)
    let pipeline = AlertPipeline(rules: set)
    let alerts = evaluations.flatMap(\.transitions).compactMap(pipeline.alert)
    #expect(alerts.count > 10)
    #expect(alerts.contains { $0.status == .resolved } && alerts.contains { $0.status == .firing })
    for nowMs in ExtremeValues.times {
      let renderer = MessageRenderer(externalURL: "http://127.0.0.1:9516", nowMs: nowMs)
      for start in stride(from: 0, to: alerts.count, by: 5) {
        let chunk = Array(alerts[start..<min(start + 5, alerts.count)])
        let n = AlertNotification(
          receiver: "r", groupLabels: ["alertname": chunk[0].name], alerts: chunk, atMs: nowMs)
        for receiver in Self.receivers {
          let m = try renderer.render(n, for: receiver)
          let text = String(decoding: m.body, as: UTF8.self)
          switch receiver.kind {
          case .stdout(json: false):
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == chunk.count && text.hasSuffix("\n"))
            // One line per alert, whatever the labels hold: no control character but the ends.
            #expect(
              !text.unicodeScalars.contains {
                $0 != "\n" && ($0.value < 0x20 || (0x7F...0x9F).contains($0.value))
              })
          case .stdout(json: true):
            for line in text.split(separator: "\n") { #expect(Self.json(Array(line.utf8)) is [String: Any]) }
          case .email:
            // Every line ends CRLF; the headers end before the first empty line.
            #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains { $0 == "\r" || $0 == "\n" })
            #expect(text.contains("\r\n\r\n") && text.hasSuffix("--\r\n"))
          case .alertmanager:
            let pushed = Self.json(m.body) as? [[String: Any]]
            #expect(pushed?.count == chunk.count)
            #expect(
              pushed?.allSatisfy { ($0["startsAt"] as? String).flatMap(Timestamp.parseRFC3339) != nil }
                == true)
          default:
            #expect(Self.json(m.body) != nil, "\(receiver.name): \(text.prefix(400))")
          }
        }
      }
    }
  }
}
