import ArgumentParser
import VigilCore
import VigilStore

struct Summary: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the article's five metrics per provider and model over stored calls.",
    discussion: "Values over the article's thresholds are marked with `!`. Computed from rollups.")

  @OptionGroup var store: ExistingStoreOptions

  @Option(help: "Start of the period (RFC 3339); default: the first stored call.")
  var from: String?

  @Option(help: "End of the period (RFC 3339); default: the last stored call.")
  var to: String?

  func validate() throws {
    for (name, value) in [("--from", from), ("--to", to)] {
      if let value, Timestamp.parseRFC3339(value) == nil {
        throw ValidationError("\(name) '\(value)' is not an RFC 3339 time such as 2026-11-25T13:00:00Z")
      }
    }
  }

  func run() throws {
    do {
      let database = try store.existing()
      guard let (first, last) = try database.bucketRange() else {
        print("no calls stored in \(store.db) yet")
        return
      }
      let fromMs = from.flatMap(Timestamp.parseRFC3339) ?? first
      let toMs = to.flatMap(Timestamp.parseRFC3339) ?? (last + rollupBucketMs)
      let bySeries = try database.rollups(fromMs: fromMs, toMs: toMs)
      var byModel: [String: Rollup] = [:]
      var all = Rollup()
      for (key, r) in bySeries {
        byModel["\(key.provider)/\(key.model)", default: Rollup()].merge(r)
        all.merge(r)
      }
      print("\(Timestamp.formatRFC3339(fromMs)) to \(Timestamp.formatRFC3339(toMs))")
      let metrics = MetricKind.articleThresholds
      let header = ["provider/model", "attempts"] + metrics.map(\.0.name)
      var rows = [header]
      for (name, r) in byModel.sorted(by: { $0.key < $1.key }) + [("all", all)] {
        rows.append([name, String(r.attempts)] + metrics.map { cell($0.0, $0.1, r) })
      }
      print(Table.render(rows))
      let thresholds = metrics.map { "\($0.0.name) > \($0.0.format($0.1))" }
      print("thresholds (the article): " + thresholds.joined(separator: ", "))
    } catch {
      Console.error("\(error)")
      throw ExitCode(2)
    }
  }

  func cell(_ metric: MetricKind, _ threshold: Double, _ r: Rollup) -> String {
    let v = metric.value(of: r)
    let over = v.map { $0 > threshold } ?? false
    return metric.format(v) + (over ? " !" : "")
  }
}

/// Plain text tables, columns padded to their widest cell.
enum Table {
  /// Columns aligned: those of `left` (text) to the left, the others (numbers) to the right, the
  /// header as its column; every cell on one line (control characters in labels, titles and
  /// errors are escaped).
  static func render(_ rows: [[String]], left: Set<Int> = [0]) -> String {
    let rows = rows.map { $0.map(TerminalText.escape) }
    guard let first = rows.first else { return "" }
    var widths = [Int](repeating: 0, count: first.count)
    for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
    return rows.map { row in
      row.enumerated().map { i, c in
        let pad = String(repeating: " ", count: widths[i] - c.count)
        return left.contains(i) ? c + pad : pad + c
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }
}
