import MyelinTLS
import NIOCore
import NIOHTTP1

/// How a finished request reaches its caller.
enum ExchangeDelivery: Sendable {
    /// The whole body, read into one buffer.
    case collect(EventLoopPromise<HTTPClientResponse>)
    /// The head as soon as it arrives, the body as a stream.
    case stream(EventLoopPromise<HTTPClientStreamingResponse>)
}

extension ExchangeDelivery {
    /// Tells the caller the request failed: through the promise, or through the body stream once
    /// the head was delivered (failing an already succeeded promise is a no-op in NIO).
    func fail(_ error: HTTPClientError, source: HTTPClientResponseBody.Producer.Source?) {
        switch self {
        case .collect(let promise):
            promise.fail(error)
        case .stream(let promise):
            promise.fail(error)
            source?.finish(error)
        }
    }
}

/// One request's settings, as the connection needs them.
struct ExchangeParameters: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    let bodyLimit: Int
    let readTimeout: TimeAmount
    let deadline: NIODeadline
    /// Gives the connection back to the pool (true) or discards it (false). A finished response is
    /// handed over only after this returns, so the caller's next request finds the connection idle.
    let release: @Sendable (Bool) async -> Void
}

/// The last handler of a client connection: it waits for the connection to be usable (TLS handshake
/// done), runs one request at a time over it, and enforces the per-request limits (read timeout, total
/// deadline, body size). While a streamed body's consumer is behind, it holds back `read()` so the
/// socket stops being read (back-pressure to the server through TCP).
final class HTTPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// One request and its response in progress.
    private final class Exchange {
        let id: UInt64
        let parameters: ExchangeParameters
        let delivery: ExchangeDelivery
        var response: HTTPResponseHead?
        var collected: ByteBuffer?
        var received = 0
        var source: HTTPClientResponseBody.Producer.Source?
        /// The stream consumer has enough buffered; reading from the socket waits for it.
        var paused = false
        var lastActivity: NIODeadline
        var readTimer: Scheduled<Void>?
        var deadlineTimer: Scheduled<Void>?

        init(id: UInt64, parameters: ExchangeParameters, delivery: ExchangeDelivery) {
            self.id = id
            self.parameters = parameters
            self.delivery = delivery
            self.lastActivity = .now()
        }

        func cancelTimers() {
            readTimer?.cancel()
            deadlineTimer?.cancel()
        }
    }

    private enum State {
        case connecting
        case idle
        case busy(Exchange)
        case closed
    }

    /// Succeeds once the connection can carry requests (after the TLS handshake for HTTPS).
    let ready: EventLoopPromise<Void>
    private let usesTLS: Bool
    private let connectTimeout: TimeAmount
    private let totalDeadline: NIODeadline
    private let idleTimeout: TimeAmount
    private var state = State.connecting
    private var context: ChannelHandlerContext?
    private var connectTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    /// A `read()` held back while a stream consumer was behind.
    private var readPending = false
    private var lastExchangeID: UInt64 = 0
    /// Why this handler closed the connection while connecting, reported instead of "closed".
    private var closeReason: HTTPClientError?

    init(eventLoop: any EventLoop, usesTLS: Bool, connectTimeout: TimeAmount, totalDeadline: NIODeadline,
         idleTimeout: TimeAmount) {
        self.ready = eventLoop.makePromise()
        self.usesTLS = usesTLS
        self.connectTimeout = connectTimeout
        self.totalDeadline = totalDeadline
        self.idleTimeout = idleTimeout
    }

    // MARK: Connection lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { connectionActive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shutDown(error: .connectionClosed)
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        connectionActive(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        shutDown(error: closeReason ?? .connectionClosed)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted, case .connecting = state { becomeReady() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let mapped = Self.clientError(error)
        switch state {
        case .connecting:
            closeReason = mapped
            context.close(promise: nil)
        case .busy(let exchange):
            fail(exchange, mapped)
        case .idle, .closed:
            context.close(promise: nil)
        }
    }

    private func connectionActive(context: ChannelHandlerContext) {
        guard case .connecting = state, connectTimer == nil else { return }
        if !usesTLS {
            becomeReady()
            return
        }
        // The TCP connect had its own timeout in the bootstrap; this one bounds the handshake.
        let limit = min(NIODeadline.now() + connectTimeout, totalDeadline)
        let error: HTTPClientError = limit == totalDeadline
            ? .totalTimeout : .connectTimeout(address: context.channel.remoteAddress.map { "\($0)" } ?? "?")
        connectTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: limit) { [self] in
            guard case .connecting = state else { return }
            closeReason = error
            self.context?.close(promise: nil)
        }
    }

    private func becomeReady() {
        connectTimer?.cancel()
        connectTimer = nil
        state = .idle
        ready.succeed()
    }

    /// The connection is gone: whatever waits on it learns why.
    private func shutDown(error: HTTPClientError) {
        connectTimer?.cancel()
        idleTimer?.cancel()
        switch state {
        case .connecting:
            state = .closed
            ready.fail(error)
        case .busy(let exchange):
            fail(exchange, error)
        case .idle, .closed:
            state = .closed
        }
    }

    // MARK: Requests

    /// Sends a request. Called on the event loop by `HTTPConnection`, only while the pool has leased
    /// this connection to one caller, so it is idle unless the server has closed it meanwhile.
    func start(_ parameters: ExchangeParameters, delivery: ExchangeDelivery) {
        guard case .idle = state, let context, context.channel.isActive else {
            let error = closeReason ?? .connectionClosed
            Task {
                await parameters.release(false)
                delivery.fail(error, source: nil)
            }
            return
        }
        idleTimer?.cancel()
        idleTimer = nil
        lastExchangeID += 1
        let exchange = Exchange(id: lastExchangeID, parameters: parameters, delivery: delivery)
        state = .busy(exchange)

        let sent = context.eventLoop.makePromise(of: Void.self)
        sent.futureResult.assumeIsolated().whenFailure { [self] error in fail(exchange, Self.clientError(error)) }
        context.write(wrapOutboundOut(.head(parameters.head)), promise: nil)
        if let body = parameters.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: sent)

        armReadTimer(exchange, context: context)
        exchange.deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: parameters.deadline) {
            [self] in fail(exchange, .totalTimeout)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .busy(let exchange) = state else {
            // Bytes nobody asked for (or after a failure): the connection cannot be trusted any more.
            state = .closed
            context.close(promise: nil)
            return
        }
        exchange.lastActivity = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            receiveHead(head, exchange, context: context)
        case .body(let chunk):
            receiveBody(chunk, exchange)
        case .end:
            finish(exchange, context: context)
        }
    }

    private func receiveHead(_ head: HTTPResponseHead, _ exchange: Exchange, context: ChannelHandlerContext) {
        exchange.response = head
        let limit = exchange.parameters.bodyLimit
        // A HEAD response announces the length of a body it does not carry.
        let announced = exchange.parameters.head.method == .HEAD
            ? nil : head.headers.first(name: "content-length").flatMap { Int($0) }
        if let announced, announced > limit {
            fail(exchange, .responseTooLarge(limit: limit))
            return
        }
        switch exchange.delivery {
        case .collect:
            exchange.collected = context.channel.allocator.buffer(capacity: min(announced ?? 0, 65_536))
        case .stream(let promise):
            let delegate = BodyStreamDelegate(handler: NIOLoopBound(self, eventLoop: context.eventLoop),
                                              exchange: exchange.id)
            // A few chunks (each up to one socket read) may wait for the consumer before reading pauses.
            let made = HTTPClientResponseBody.Producer.makeSequence(
                backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8), finishOnDeinit: false,
                delegate: delegate)
            exchange.source = made.source
            promise.succeed(HTTPClientStreamingResponse(version: head.version, status: head.status,
                                                        headers: head.headers,
                                                        body: HTTPClientResponseBody(producer: made.sequence)))
        }
    }

    private func receiveBody(_ chunk: ByteBuffer, _ exchange: Exchange) {
        exchange.received += chunk.readableBytes
        guard exchange.received <= exchange.parameters.bodyLimit else {
            fail(exchange, .responseTooLarge(limit: exchange.parameters.bodyLimit))
            return
        }
        if exchange.collected != nil {
            exchange.collected?.writeImmutableBuffer(chunk)
        } else if let source = exchange.source {
            switch source.yield(chunk) {
            case .produceMore: break
            case .stopProducing: exchange.paused = true
            case .dropped: consumerGone(exchange: exchange.id)
            }
        }
    }

    /// The response is complete: keep the connection for the next request if both sides allow it.
    private func finish(_ exchange: Exchange, context: ChannelHandlerContext) {
        exchange.cancelTimers()
        guard let head = exchange.response else {
            fail(exchange, .invalidResponse("the response ended before its head"))
            return
        }
        let reusable = head.isKeepAlive && exchange.parameters.head.isKeepAlive && context.channel.isActive
        if reusable {
            state = .idle
            let timeout = idleTimeout
            idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                guard case .idle = state else { return }
                state = .closed
                self.context?.close(promise: nil)
            }
            if readPending {
                readPending = false
                context.read()
            }
        } else {
            state = .closed
            context.close(promise: nil)
        }
        let release = exchange.parameters.release
        switch exchange.delivery {
        case .collect(let promise):
            let response = HTTPClientResponse(version: head.version, status: head.status, headers: head.headers,
                                              body: exchange.collected ?? ByteBuffer())
            Task {
                await release(reusable)
                promise.succeed(response)
            }
        case .stream:
            let source = exchange.source
            Task {
                await release(reusable)
                source?.finish()
            }
        }
    }

    /// Ends the exchange with an error and drops the connection: after a failure mid-response the byte
    /// stream is out of step, so it can never be reused.
    private func fail(_ exchange: Exchange, _ error: HTTPClientError) {
        guard case .busy(let current) = state, current === exchange else { return }
        exchange.cancelTimers()
        state = .closed
        let release = exchange.parameters.release
        let delivery = exchange.delivery
        let source = exchange.source
        Task {
            await release(false)
            delivery.fail(error, source: source)
        }
        context?.close(promise: nil)
    }

    // MARK: Back-pressure and timers

    func read(context: ChannelHandlerContext) {
        if case .busy(let exchange) = state, exchange.paused {
            readPending = true
        } else {
            context.read()
        }
    }

    func consumerWantsMore(exchange id: UInt64) {
        guard case .busy(let exchange) = state, exchange.id == id, exchange.paused, let context else { return }
        exchange.paused = false
        exchange.lastActivity = .now()
        if readPending {
            readPending = false
            context.read()
        }
    }

    /// The stream's consumer stopped iterating (or dropped the body) before its end.
    func consumerGone(exchange id: UInt64) {
        guard case .busy(let exchange) = state, exchange.id == id else { return }
        exchange.cancelTimers()
        state = .closed
        let release = exchange.parameters.release
        Task { await release(false) }
        context?.close(promise: nil)
    }

    /// Fails the exchange after `readTimeout` without a byte from the server. One timer is kept and
    /// moved on lazily, instead of rescheduling it for every chunk.
    private func armReadTimer(_ exchange: Exchange, context: ChannelHandlerContext) {
        let due = exchange.lastActivity + exchange.parameters.readTimeout
        exchange.readTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            guard case .busy(let current) = state, current === exchange, let context = self.context else { return }
            if exchange.paused {
                // Waiting for our own consumer is not the server's silence.
                exchange.lastActivity = .now()
            } else if NIODeadline.now() >= exchange.lastActivity + exchange.parameters.readTimeout {
                fail(exchange, .readTimeout)
                return
            }
            armReadTimer(exchange, context: context)
        }
    }

    /// NIO, TLS and HTTP parser errors in the client's terms.
    static func clientError(_ error: any Error) -> HTTPClientError {
        switch error {
        case let error as HTTPClientError: error
        case let error as MbedTLSError: .tls(error)
        case let error as HTTPParserError: .invalidResponse("\(error)")
        case is IOError, is ChannelError: .connectionClosed
        default: .invalidResponse("\(error)")
        }
    }
}
