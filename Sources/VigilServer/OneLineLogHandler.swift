public import Logging
import VigilCore

/// A log handler that keeps every entry on one line: control characters in the message and in
/// metadata values (a label, a file name, an error a receiver sent back) are escaped before the
/// wrapped handler writes them, so that no input can forge a log line or rewrite a terminal.
public struct OneLineLogHandler<Wrapped: LogHandler>: LogHandler {
  public var wrapped: Wrapped

  public init(_ wrapped: Wrapped) { self.wrapped = wrapped }

  public var logLevel: Logger.Level {
    get { wrapped.logLevel }
    set { wrapped.logLevel = newValue }
  }

  public var metadata: Logger.Metadata {
    get { wrapped.metadata }
    set { wrapped.metadata = newValue }
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { wrapped[metadataKey: key] }
    set { wrapped[metadataKey: key] = newValue }
  }

  public func log(event: LogEvent) {
    var event = event
    event.message = "\(TerminalText.escape(event.message.description))"
    event.metadata = event.metadata?.mapValues { .string(TerminalText.escape($0.description)) }
    wrapped.log(event: event)
  }
}
