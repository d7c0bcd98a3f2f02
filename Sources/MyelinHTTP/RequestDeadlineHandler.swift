import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Holds each request to deadlines the idle timeout cannot (it restarts at every byte): the head must
/// arrive within `headTimeout` of the connection being ready for it, and the body must keep arriving,
/// `minBytesPerWindow` in every `window`. While the server prepares the response (a `/sync` long-poll)
/// nothing is timed. A response written before its request's body has arrived (a refusal from the head)
/// says `Connection: close` and ends the connection, so the rest of that body is never read in full:
/// the close lingers (up to `lingerTime` and `lingerBytes`, discarding what comes) so that a client still
/// sending is not answered with a reset before it has read the response, as nginx does.
///
/// One per connection, on its event loop (NIO's confinement makes the mutable state safe).
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    struct Deadlines: Sendable {
        var headTimeout: TimeAmount
        var window: TimeAmount
        var minBytesPerWindow: Int
    }

    private enum State {
        case awaitingHead
        case readingBody
        case responding
        /// The refusal is written; what the client still sends is read and dropped until the close.
        case lingering
    }

    static let lingerTime = TimeAmount.seconds(2)
    static let lingerBytes = 1 << 20

    private let deadlines: Deadlines
    private let faults: ClientFaultLog
    private var state = State.awaitingHead
    private var timer: Scheduled<Void>?
    private var bytesThisWindow = 0
    private var closeAfterResponse = false
    /// Requests whose head has come and whose response has not ended (more than one only when pipelined).
    private var inFlight = 0
    private var lingered = 0

    init(deadlines: Deadlines, faults: ClientFaultLog) {
        self.deadlines = deadlines
        self.faults = faults
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armHeadTimer(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil, state == .awaitingHead { armHeadTimer(context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state == .lingering {
            switch unwrapInboundIn(data) {
            case .body(let bytes):
                lingered += bytes.readableBytes
                if lingered > Self.lingerBytes { context.close(promise: nil) }
            case .end:
                // All of it came: closing now sends no reset.
                context.close(promise: nil)
            case .head:
                context.close(promise: nil)
            }
            return
        }
        switch unwrapInboundIn(data) {
        case .head:
            cancelTimer()
            inFlight += 1
            state = .readingBody
            bytesThisWindow = 0
            armWindowTimer(context)
        case .body(let bytes):
            bytesThisWindow += bytes.readableBytes
        case .end:
            cancelTimer()
            state = .responding
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where state == .readingBody && inFlight == 1:
            // Answered from the head while the body is still coming: do not wait for (or read) the rest.
            closeAfterResponse = true
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end where closeAfterResponse:
            cancelTimer()
            context.writeAndFlush(data, promise: promise)
            state = .lingering
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) {
                context.close(promise: nil)
            }
            // Reads go on (the HTTP layer has stopped asking once its response was written).
            context.read()
        case .end:
            inFlight = max(0, inFlight - 1)
            if state == .responding, inFlight == 0 {
                state = .awaitingHead
                armHeadTimer(context)
            }
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    private func armHeadTimer(_ context: ChannelHandlerContext) {
        cancelTimer()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: deadlines.headTimeout) { [self] in
            timer = nil
            guard state == .awaitingHead else { return }
            cutOff(context, .headTooSlow)
        }
    }

    private func armWindowTimer(_ context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: deadlines.window) { [self] in
            timer = nil
            guard state == .readingBody else { return }
            if bytesThisWindow < deadlines.minBytesPerWindow {
                cutOff(context, .bodyTooSlow)
            } else {
                bytesThisWindow = 0
                armWindowTimer(context)
            }
        }
    }

    private func cutOff(_ context: ChannelHandlerContext, _ kind: ClientFaultLog.Kind) {
        let faults = self.faults
        let address = context.channel.remoteAddress?.ipAddress
        Task { await faults.note(kind, address: address) }
        context.close(promise: nil)
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}
