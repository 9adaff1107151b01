import Foundation
package import VigilCore

/// An alert email: RFC 5322 headers and a multipart/alternative body with a text part and an
/// HTML part, both UTF-8 in base64 (so no line is too long and no line starts with a dot).
///
/// Header values are sanitised: control characters, CR and LF among them, become spaces, so an
/// alert label cannot add a header (`Bcc:`) or end the headers early.
package struct EmailMessage {
  var text: String

  init(notification n: AlertNotification, receiver: EmailReceiver, externalURL: String, dateMs: Int64) {
    self.init(
      subject: n.title, text: Self.plain(n, externalURL), html: Self.html(n, externalURL), receiver: receiver,
      dateMs: dateMs, id: LabelFingerprint.of(["group": n.groupKey, "receiver": n.receiver]) + ".\(n.atMs)",
      extraHeaders: [("X-Vigil-Status", n.status.rawValue), ("X-Vigil-Group", n.groupKey)])
  }

  /// A message with the given subject and bodies (a report, say).
  init(
    subject: String, text: String, html: String, receiver: EmailReceiver, dateMs: Int64, id: String,
    extraHeaders: [(String, String)] = []
  ) {
    let boundary = "vigil-" + LabelFingerprint.of(["id": id])
    var headers: [(String, String)] = [
      ("From", Self.sanitize(receiver.from)),
      ("To", receiver.to.map(Self.sanitize).joined(separator: ", ")),
      ("Subject", Self.encodeWords(Self.sanitize(subject))),
      ("Date", Self.rfc5322Date(dateMs)),
      ("Message-ID", "<\(Self.sanitize(id))@vigil>"),
      ("MIME-Version", "1.0"),
      ("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
    ]
    for (name, value) in extraHeaders { headers.append((name, Self.encodeWords(Self.sanitize(value)))) }
    var out = headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
    for (type, body) in [("text/plain", text), ("text/html", html)] {
      out +=
        "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      out += Data(body.utf8).base64EncodedString(options: [
        .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
      ])
      out += "\r\n"
    }
    self.text = out + "--\(boundary)--\r\n"
  }

  /// An outbox message that mails a document (a report) to an email receiver.
  package static func document(
    subject: String, text: String, html: String, to receiver: Receiver, dateMs: Int64
  )
    -> OutboxMessage?
  {
    guard case .email(let e) = receiver.kind else { return nil }
    let message = EmailMessage(
      subject: subject, text: text, html: html, receiver: e, dateMs: dateMs,
      id: "report." + LabelFingerprint.of(["subject": subject, "at": String(dateMs)]))
    return OutboxMessage(
      receiver: receiver.name, groupKey: "report", status: .resolved, alertCount: 0, title: subject,
      contentType: "message/rfc822", body: Array(message.text.utf8))
  }

  /// Control characters (CR and LF among them) become spaces; runs of spaces collapse.
  static func sanitize(_ s: String) -> String {
    var out = ""
    var space = false
    for c in s.unicodeScalars {
      let isControl =
        c.value < 0x20 || c.value == 0x7F || (0x80..<0xA0).contains(c.value) || c == "\u{2028}"
        || c == "\u{2029}"
      if isControl || c == " " {
        if !space && !out.isEmpty { out += " " }
        space = true
      } else {
        out.unicodeScalars.append(c)
        space = false
      }
    }
    return space ? String(out.dropLast()) : out
  }

  /// ASCII text as is; anything else as RFC 2047 encoded words of at most 75 characters,
  /// folded onto continuation lines.
  static func encodeWords(_ s: String) -> String {
    guard s.unicodeScalars.contains(where: { !$0.isASCII }) else { return s }
    var words: [String] = []
    var chunk: [UInt8] = []
    for ch in s {
      let bytes = Array(String(ch).utf8)
      if chunk.count + bytes.count > 45 {
        words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
        chunk = []
      }
      chunk += bytes
    }
    if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
    return words.joined(separator: "\r\n ")
  }

  static func rfc5322Date(_ ms: Int64) -> String {
    let iso = Timestamp.formatRFC3339(ms / 1000 * 1000)  // 2026-11-25T10:12:00Z
    let days = Int((ms / 1000 >= 0 ? ms / 1000 : ms / 1000 - 86_399) / 86_400)
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let parts = iso.split(separator: "T")
    let ymd = parts[0].split(separator: "-")
    let month = months[Int(ymd[1])! - 1]
    return "\(weekday), \(Int(ymd[2])!) \(month) \(ymd[0]) \(parts[1].dropLast()) +0000"
  }

  static func plain(_ n: AlertNotification, _ externalURL: String) -> String {
    var lines = [n.title, ""]
    for a in n.alerts {
      lines.append("\(a.status == .firing ? "FIRING" : "RESOLVED"): \(a.name)")
      if let s = a.annotations["summary"], !s.isEmpty { lines.append("  \(s)") }
      if let d = a.annotations["description"], !d.isEmpty { lines.append("  \(d)") }
      lines.append(
        "  value: \(a.annotations["value"] ?? "-")   threshold: \(a.annotations["threshold"] ?? "-")")
      let labels = a.labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }
      lines.append("  labels: " + labels.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
      lines.append("  since: \(Timestamp.formatRFC3339(a.startsAtMs))")
      if let end = a.endsAtMs { lines.append("  resolved: \(Timestamp.formatRFC3339(end))") }
      lines.append("")
    }
    lines.append("Vigil: \(externalURL)")
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  static func html(_ n: AlertNotification, _ externalURL: String) -> String {
    let e = HTMLText.escape
    let color = n.status == .resolved ? "#2EB67D" : (n.severity == "critical" ? "#E01E5A" : "#B7791F")
    var out = """
      <!DOCTYPE html><html><head><meta charset="utf-8"><title>\(e(n.title))</title></head>
      <body style="font-family:Helvetica,Arial,sans-serif;color:#1d1d1d;max-width:720px">
      <h2 style="color:\(color);margin-bottom:4px">\(e(n.title))</h2>

      """
    for a in n.alerts {
      let state = a.status == .firing ? "FIRING" : "RESOLVED"
      out += "<table style=\"border-collapse:collapse;margin:12px 0;width:100%\">"
      out += "<tr><th colspan=\"2\" style=\"text-align:left;border-bottom:2px solid \(color);padding:4px\">"
      out += "\(state): \(e(a.name))</th></tr>"
      var rows: [(String, String)] = [
        ("Summary", a.annotations["summary"] ?? ""), ("Description", a.annotations["description"] ?? ""),
        ("Value", a.annotations["value"] ?? "-"), ("Threshold", a.annotations["threshold"] ?? "-"),
      ]
      for (k, v) in a.labels.sorted(by: { $0.key < $1.key }) where k != "alertname" { rows.append((k, v)) }
      rows.append(("Since", Timestamp.formatRFC3339(a.startsAtMs)))
      if let end = a.endsAtMs { rows.append(("Resolved", Timestamp.formatRFC3339(end))) }
      for (k, v) in rows where !v.isEmpty {
        out += "<tr><td style=\"padding:4px;color:#666;vertical-align:top\">\(e(k))</td>"
        out += "<td style=\"padding:4px\">\(e(v))</td></tr>"
      }
      out += "</table>\n"
    }
    out += "<p><a href=\"\(e(externalURL))\">Open Vigil</a></p></body></html>\n"
    return out
  }
}
