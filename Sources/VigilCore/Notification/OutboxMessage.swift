/// A rendered message waiting in the outbox: exactly the bytes that will be sent, so that a
/// restart sends the same message. Secrets (URLs, passwords) are not part of it: they are read
/// from the environment when it is sent.
public struct OutboxMessage: Sendable, Equatable {
  public var receiver: String
  public var groupKey: String
  public var status: NotifiedAlert.Status
  public var alertCount: Int
  /// One line for listings and email subjects.
  public var title: String
  public var contentType: String
  public var body: [UInt8]

  public init(
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
