import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request has not arrived whole (head to end of body) within
/// `deadline` of its head, as Go's `http.Server.ReadTimeout` does for Prometheus
/// (`--web.read-timeout`): a sender that trickles its body a byte at a time cannot hold a
/// connection, or the memory its body has taken, for longer. The request's handler sees the
/// body end in an error and answers nothing stored; the idle timeout (which a trickle keeps
/// resetting) still closes connections that send no request at all.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPRequestPart
  typealias InboundOut = HTTPRequestPart

  /// The error the request's body ends in when its deadline passed.
  struct Passed: Error, CustomStringConvertible {
    var deadline: TimeAmount
    var description: String { "the request did not arrive within \(deadline.nanoseconds / 1_000_000) ms" }
  }

  let deadline: TimeAmount
  var timer: Scheduled<Void>?

  init(deadline: TimeAmount) {
    self.deadline = deadline
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head:
      timer?.cancel()
      let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
      let deadline = deadline
      timer = context.eventLoop.scheduleTask(in: deadline) {
        bound.value.fireErrorCaught(Passed(deadline: deadline))
        bound.value.close(promise: nil)
      }
    case .end:
      timer?.cancel()
      timer = nil
    case .body:
      break
    }
    context.fireChannelRead(data)
  }

  func channelInactive(context: ChannelHandlerContext) {
    timer?.cancel()
    timer = nil
    context.fireChannelInactive()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    timer?.cancel()
    timer = nil
  }
}
