import VigilCore

/// The flags of `vigil serve` that override vigil.yaml, as given on the command line: checked
/// here, applied over the file's settings by ``ServeConfig/resolve(file:flags:)``.
package struct ServeFlags: Sendable {
  package var db: String?
  package var rules: String?
  package var follow: [String] = []
  package var startAt: String?
  package var udp: String?
  package var http: String?
  package var otlp: String?
  package var logLevel: String?
  package var logFormat: String?

  package init() {}

  /// What is wrong with the flags, one message per flag (empty when nothing is).
  package var problems: [String] {
    var out: [String] = []
    for (name, value) in [("--udp", udp), ("--http", http), ("--otlp", otlp)] {
      if let value, value != "off", HostPort(value) == nil {
        out.append("\(name) '\(value)' is not host:port (or off)")
      }
    }
    if let startAt, StartPosition(rawValue: startAt) == nil {
      out.append("--start-at must be beginning or end")
    }
    if let logFormat, LogSettings.Format(rawValue: logFormat) == nil {
      out.append("--log-format '\(logFormat)': one of text, json, logfmt")
    }
    if let logLevel, LogSettings.Level(rawValue: logLevel) == nil {
      out.append("--log-level '\(logLevel)': one of trace, debug, info, notice, warning, error, critical")
    }
    return out
  }

  /// Sets what the flags give over `settings` (flags that do not parse are left out: see
  /// ``problems``).
  package func apply(to settings: inout ServeConfig) {
    if let db { settings.db = db }
    if let rules { settings.rules = rules }
    if !follow.isEmpty { settings.follow = follow }
    if let startAt, let position = StartPosition(rawValue: startAt) { settings.startAt = position }
    func listener(_ text: String?, _ value: inout HostPort?) {
      guard let text else { return }
      if text == "off" { value = nil } else if let address = HostPort(text) { value = address }
    }
    listener(udp, &settings.udp)
    listener(http, &settings.http)
    listener(otlp, &settings.otlp)
    if let logLevel, let level = LogSettings.Level(rawValue: logLevel) { settings.log.level = level }
    if let logFormat, let format = LogSettings.Format(rawValue: logFormat) { settings.log.format = format }
  }
}
