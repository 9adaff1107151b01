import Synchronization

/// The ports serve's TCP listeners bound (the real ones when port 0 was asked for).
package final class ListenerState: Sendable {
  struct Ports: Sendable {
    var http: Int?
    var otlp: Int?
  }

  let ports = Mutex(Ports())

  /// The HTTP port once listening.
  package var httpPort: Int? { ports.withLock { $0.http } }
  /// The OTLP/HTTP port once listening.
  package var otlpPort: Int? { ports.withLock { $0.otlp } }

  func listening(http port: Int) { ports.withLock { $0.http = port } }
  func listening(otlp port: Int) { ports.withLock { $0.otlp = port } }
}
