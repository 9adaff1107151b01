/// How alerts are batched into messages, in the manner of Alertmanager's route.
package struct Routing: Sendable, Equatable {
  /// Alerts with the same values of these labels go into one message.
  package var groupBy: [String] = ["alertname", "provider"]
  /// How long a new group waits for more alerts before its first message.
  package var groupWaitMs: Int64 = 30_000
  /// How long after a message a group waits before sending what changed.
  package var groupIntervalMs: Int64 = 300_000
  /// How long before a still-firing group is sent again; 0 never repeats.
  package var repeatIntervalMs: Int64 = 14_400_000
  /// One incident, one page: the group sends one message when it starts firing and one when all
  /// its alerts have resolved; alerts that join or leave in between are folded into those (the
  /// resolved message lists them all) instead of sending messages of their own.
  package var fold = false

  package init() {}

  /// The stdout receiver's defaults: a log line per change as it happens, never repeated.
  package static let immediate: Routing = {
    var r = Routing()
    r.groupWaitMs = 0
    r.groupIntervalMs = 0
    r.repeatIntervalMs = 0
    return r
  }()
}
