package import Logging
import VigilCore

/// A log handler that keeps every entry on one line: control characters in the message and in
/// metadata values (a label, a file name, an error a receiver sent back) are escaped before the
/// wrapped handler writes them, so that no input can forge a log line or rewrite a terminal.
package struct OneLineLogHandler<Wrapped: LogHandler>: LogHandler {
  package var wrapped: Wrapped

  package init(_ wrapped: Wrapped) { self.wrapped = wrapped }

  package var logLevel: Logger.Level {
    get { wrapped.logLevel }
    set { wrapped.logLevel = newValue }
  }

  package var metadata: Logger.Metadata {
    get { wrapped.metadata }
    set { wrapped.metadata = newValue }
  }

  package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { wrapped[metadataKey: key] }
    set { wrapped[metadataKey: key] = newValue }
  }

  package func log(event: LogEvent) {
    var event = event
    event.message = "\(TerminalText.escape(event.message.description))"
    event.metadata = event.metadata?.mapValues { .string(TerminalText.escape($0.description)) }
    wrapped.log(event: event)
  }
}
