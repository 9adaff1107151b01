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
