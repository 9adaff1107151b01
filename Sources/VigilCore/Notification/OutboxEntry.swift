/// An outbox row: the message and where its delivery stands.
public struct OutboxEntry: Sendable, Equatable {
  public enum State: String, Sendable, CaseIterable {
    /// Waiting for its next attempt.
    case pending
    case delivered
    /// Given up on after the last attempt, or refused for good (4xx); `vigil outbox retry` revives it.
    case dead
  }

  public var id: Int64
  public var message: OutboxMessage
  public var state: State
  public var attempts: Int
  public var createdMs: Int64
  public var nextAttemptMs: Int64
  public var lastError: String?
  public var deliveredMs: Int64?

  public init(
    id: Int64, message: OutboxMessage, state: State, attempts: Int, createdMs: Int64, nextAttemptMs: Int64,
    lastError: String?, deliveredMs: Int64?
  ) {
    self.id = id
    self.message = message
    self.state = state
    self.attempts = attempts
    self.createdMs = createdMs
    self.nextAttemptMs = nextAttemptMs
    self.lastError = lastError
    self.deliveredMs = deliveredMs
  }
}
