/// A rendered message waiting in the outbox: exactly the bytes that will be sent, so that a
/// restart sends the same message. Secrets (URLs, passwords) are not part of it: they are read
/// from the environment when it is sent.
package struct OutboxMessage: Sendable, Equatable {
  package var receiver: String
  package var groupKey: String
  package var status: NotifiedAlert.Status
  package var alertCount: Int
  /// One line for listings and email subjects.
  package var title: String
  package var contentType: String
  package var body: [UInt8]

  package init(
    receiver: String, groupKey: String, status: NotifiedAlert.Status, alertCount: Int, title: String,
    contentType: String, body: [UInt8]
  ) {
    self.receiver = receiver
    self.groupKey = groupKey
    self.status = status
    self.alertCount = alertCount
    self.title = title
    self.contentType = contentType
    self.body = body
  }
}

/// A queue of the outbox: a receiver's messages, delivered in order; an Alertmanager's replicas
/// (group keys `replica N`) each have their own, so that a replica that is down delays no other.
package struct OutboxQueue: Hashable, Sendable {
  package var receiver: String
  /// The replica's group key, or nil for the receiver's one queue.
  package var groupKey: String?

  package init(receiver: String, groupKey: String?) {
    self.receiver = receiver
    self.groupKey = groupKey.flatMap { AlertmanagerReceiver.replica(ofGroupKey: $0) == nil ? nil : $0 }
  }

  package init(_ message: OutboxMessage) { self.init(receiver: message.receiver, groupKey: message.groupKey) }
}
