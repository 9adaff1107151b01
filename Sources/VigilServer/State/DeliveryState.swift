import Synchronization
import VigilDelivery

/// Delivery outcomes since start, by receiver and outcome (`delivered`, `retried`, `dead`).
package final class DeliveryState: Sendable {
  let outcomes = Mutex([String: [String: Int64]]())

  var snapshot: [String: [String: Int64]] { outcomes.withLock { $0 } }

  func delivered(_ report: DeliveryReport) {
    outcomes.withLock { o in
      for (receiver, byOutcome) in report.byReceiver {
        for (outcome, n) in byOutcome { o[receiver, default: [:]][outcome, default: 0] += n }
      }
    }
  }
}
