import VigilCore

/// Inline SVG charts: no script, no font or file fetched from anywhere, every label escaped.
enum SVGChart {
  static let palette = [
    "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777",
  ]
  static let width = 760.0
  static let height = 230.0
  static let left = 64.0
  static let right = 16.0
  static let top = 28.0
  static let bottom = 34.0

  struct Line {
    var name: String
    var points: [(Int64, Double?)]
    /// Its colour (a provider's is the same everywhere); else the palette's next.
    var color: String? = nil
    /// A dash pattern (`stroke-dasharray`), for lines told apart without colour.
    var dash: String? = nil
  }

  /// Lines over time; `format` labels the y axis; `threshold` draws a dashed red line.
  static func lines(
    title: String, lines: [Line], fromMs: Int64, toMs: Int64, format: (Double) -> String,
    threshold: Double? = nil
  ) -> String {
    let e = HTMLText.escape
    // A value that is no number (or none a chart can scale to) is a gap, not a point at NaN.
    let values = (lines.flatMap { $0.points.compactMap(\.1) } + (threshold.map { [$0] } ?? [])).filter(
      \.isFinite)
    let maxY = niceCeiling(values.max() ?? 0)
    let plotW = width - left - right
    let plotH = height - top - bottom
    let span = Double(max(toMs - fromMs, 1))
    func x(_ t: Int64) -> Double { left + plotW * (Double(t) - Double(fromMs)) / span }
    func y(_ v: Double) -> Double { top + plotH * (1 - (maxY > 0 ? v / maxY : 0)) }
    var svg = header(title, height: height, titleX: left)
    for k in 0...4 {
      let v = maxY / 4 * Double(k)  // not maxY * k first: near the largest Double that is inf
      svg +=
        "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(fmt(y(v)))\" y2=\"\(fmt(y(v)))\" stroke=\"#e5e7eb\"/>"
      svg +=
        "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y(v) + 4))\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">\(e(format(v)))</text>\n"
    }
    svg += timeAxis(fromMs: fromMs, toMs: toMs, y: height - bottom + 16, x: x)
    if let threshold, threshold.isFinite, threshold <= maxY {
      svg +=
        "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(fmt(y(threshold)))\" y2=\"\(fmt(y(threshold)))\" stroke=\"#dc2626\" stroke-dasharray=\"5 4\"/>"
      svg +=
        "<text x=\"\(fmt(width - right))\" y=\"\(fmt(y(threshold) - 4))\" font-size=\"10\" text-anchor=\"end\" fill=\"#dc2626\">threshold \(e(format(threshold)))</text>\n"
    }
    for (i, line) in lines.enumerated() {
      let dash = line.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
      let color = line.color ?? palette[i % palette.count]
      // A gap (no calls) breaks the line.
      var run: [String] = []
      func flush() {
        if run.count == 1 {
          let p = run[0].split(separator: ",")
          svg += "<circle cx=\"\(p[0])\" cy=\"\(p[1])\" r=\"2\" fill=\"\(color)\"/>"
        } else if run.count > 1 {
          svg +=
            "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dash) points=\"\(run.joined(separator: " "))\"/>"
        }
        run = []
      }
      for (t, v) in line.points {
        if let v, v.isFinite { run.append("\(fmt(x(t))),\(fmt(y(v)))") } else { flush() }
      }
      flush()
      let lx = left + Double(i % 4) * 170
      let ly = height - 6 - Double(i / 4) * 0
      // The key shows the line as it is drawn: a dashed line by its dashes, others by a swatch.
      svg +=
        line.dash == nil
        ? "\n<rect x=\"\(fmt(lx))\" y=\"\(fmt(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
        : "\n<line x1=\"\(fmt(lx - 2))\" x2=\"\(fmt(lx + 11))\" y1=\"\(fmt(ly - 3))\" y2=\"\(fmt(ly - 3))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
      svg +=
        "<text x=\"\(fmt(lx + 14))\" y=\"\(fmt(ly))\" font-size=\"11\" fill=\"#222\">\(e(String(line.name.prefix(24))))</text>\n"
    }
    if lines.allSatisfy({ $0.points.allSatisfy { $0.1 == nil } }) {
      svg +=
        "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(top + plotH / 2))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#888\">no calls in this period</text>"
    }
    return svg + "</svg>"
  }

  /// Horizontal bars with labels and counts.
  static func bars(
    title: String, bars: [(label: String, value: Double, color: String)], format: (Double) -> String
  )
    -> String
  {
    let e = HTMLText.escape
    let rowH = 22.0
    let h = top + Double(max(bars.count, 1)) * rowH + 10
    let maxV = bars.map(\.value).max() ?? 0
    let labelW = 170.0
    let plotW = width - labelW - 110
    var svg = header(title, height: h, titleX: 8)
    for (i, b) in bars.enumerated() {
      let y = top + Double(i) * rowH
      let w = maxV > 0 ? plotW * b.value / maxV : 0
      svg +=
        "<text x=\"\(fmt(labelW - 8))\" y=\"\(fmt(y + 14))\" font-size=\"11\" text-anchor=\"end\" fill=\"#222\">\(e(b.label))</text>"
      svg +=
        "<rect x=\"\(fmt(labelW))\" y=\"\(fmt(y + 3))\" width=\"\(fmt(max(w, 1)))\" height=\"15\" fill=\"\(b.color)\"/>"
      svg +=
        "<text x=\"\(fmt(labelW + w + 6))\" y=\"\(fmt(y + 14))\" font-size=\"11\" fill=\"#222\">\(e(format(b.value)))</text>\n"
    }
    if bars.isEmpty {
      svg +=
        "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(top + 14))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#888\">no calls in this period</text>"
    }
    return svg + "</svg>"
  }

  /// Alerts as bars on a time line, one row per alert.
  static func timeline(title: String, spans: [Report.AlertSpan], fromMs: Int64, toMs: Int64) -> String {
    let e = HTMLText.escape
    let rowH = 20.0
    let shown = Array(spans.prefix(30))
    let h = top + Double(max(shown.count, 1)) * rowH + bottom
    let labelW = 240.0
    let plotW = width - labelW - right
    let span = Double(max(toMs - fromMs, 1))
    func x(_ t: Int64) -> Double { labelW + plotW * min(max((Double(t) - Double(fromMs)) / span, 0), 1) }
    var svg = header(title, height: h, titleX: 8)
    for (i, s) in shown.enumerated() {
      let y = top + Double(i) * rowH
      let color = s.severity == "critical" ? "#dc2626" : "#d97706"
      let label = String((s.rule + " " + s.scope).prefix(38))
      let x0 = x(s.startMs)
      let x1 = x(s.endMs ?? toMs)
      svg +=
        "<text x=\"\(fmt(labelW - 8))\" y=\"\(fmt(y + 13))\" font-size=\"11\" text-anchor=\"end\" fill=\"#222\">\(e(label))</text>"
      svg +=
        "<rect x=\"\(fmt(x0))\" y=\"\(fmt(y + 3))\" width=\"\(fmt(max(x1 - x0, 2)))\" height=\"13\" fill=\"\(color)\"><title>\(e(s.rule)) \(e(s.scope))</title></rect>\n"
    }
    svg += timeAxis(fromMs: fromMs, toMs: toMs, y: h - 12, x: x)
    if shown.isEmpty {
      svg +=
        "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(top + 14))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#888\">no alerts fired in this period</text>"
    }
    return svg + "</svg>"
  }

  /// The opening of a chart: its size, an accessible name, and the title drawn at `titleX`.
  static func header(_ title: String, height h: Double, titleX: Double) -> String {
    let e = HTMLText.escape
    return """
      <svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \(fmt(width)) \(fmt(h))" width="\(fmt(width))" height="\(fmt(h))" aria-label="\(e(title))">
      <title>\(e(title))</title>
      <text x="\(fmt(titleX))" y="16" font-size="13" font-weight="bold" fill="#111">\(e(title))</text>

      """
  }

  /// Five time labels along the x axis, at `y`.
  static func timeAxis(fromMs: Int64, toMs: Int64, y: Double, x: (Int64) -> Double) -> String {
    (0...4).map { k in
      let t = fromMs + Int64(Double(max(toMs - fromMs, 1)) * Double(k) / 4)
      return "<text x=\"\(fmt(x(t)))\" y=\"\(fmt(y))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">"
        + "\(HTMLText.escape(timeLabel(t, span: toMs - fromMs)))</text>\n"
    }.joined()
  }

  /// 1, 2 or 5 times a power of ten, at or above `v` (at least a small positive number).
  static func niceCeiling(_ v: Double) -> Double {
    guard v > 0 else { return 1 }
    // Near the largest Double there is no power of ten above: the value itself is the top.
    guard v < .greatestFiniteMagnitude / 10 else { return v }
    var magnitude = 1.0
    while magnitude * 10 <= v { magnitude *= 10 }
    while magnitude > v { magnitude /= 10 }
    for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= v { return m * magnitude }
    return 10 * magnitude
  }

  /// `HH:MM` within a day or two, `MM-DD HH:MM` over longer spans (UTC).
  static func timeLabel(_ ms: Int64, span: Int64) -> String {
    let iso = Timestamp.formatRFC3339(ms / 60_000 * 60_000)  // 2026-11-25T10:05:00Z
    let date = iso.prefix(10)
    let time = iso.dropFirst(11).prefix(5)
    return span > 2 * 86_400_000 ? "\(date.dropFirst(5)) \(time)" : String(time)
  }

  static func fmt(_ v: Double) -> String { formatFixed(v, digits: 1) }
}
