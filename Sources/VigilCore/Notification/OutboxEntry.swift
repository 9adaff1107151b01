/// An outbox row: the message and where its delivery stands.
package struct OutboxEntry: Sendable, Equatable {
  package enum State: String, Sendable, CaseIterable {
    /// Waiting for its next attempt.
    case pending
    case delivered
    /// Given up on after the last attempt, or refused for good (4xx); `vigil outbox retry` revives it.
    case dead
  }

  package var id: Int64
  package var message: OutboxMessage
  package var state: State
  package var attempts: Int
  package var createdMs: Int64
  package var nextAttemptMs: Int64
  package var lastError: String?
  package var deliveredMs: Int64?

  package init(
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
