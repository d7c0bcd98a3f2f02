import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import MatrixCore
import NIOCore

/// Says when a connection's client has gone: its input closed (EOF, which Hummingbird's half-closure
/// setting turns into an event instead of a close) or the connection dropped. A `/sync` long-poll waits
/// on it as well as on news, so a client that reconnects does not leave a waiter behind.
public actor ClientGoneSignal {
    private var gone = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var next = 0

    public init() {}

    public var hasFired: Bool { gone }

    func fire() {
        gone = true
        for waiter in waiters.values { waiter.resume() }
        waiters = [:]
    }

    /// Returns when the client has gone, or when the calling task is cancelled.
    public func wait() async {
        if gone { return }
        next += 1
        let id = next
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if gone || Task.isCancelled {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.release(id) }
        }
    }

    private func release(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }
}

/// The first handler of every connection's pipeline (before TLS and HTTP: the HTTP pipeline handler
/// holds a half-closure back until the response is written, which for a long-poll is too late). Its
/// `context` is touched on the channel's event loop only (NIO's confinement), hence `@unchecked`.
final class ClientGoneWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny

    let signal = ClientGoneSignal()
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Asks the socket for one read, past the HTTP pipeline handler (which defers reads while a response
    /// is pending): that read is what sees the client's end of input. Whatever it brings (a pipelined
    /// request) goes up the pipeline and waits there as usual; one read is bounded by the read buffer.
    func readForEndOfInput() {
        context?.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent {
            let signal = self.signal
            Task { await signal.fire() }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let signal = self.signal
        Task { await signal.fire() }
        context.fireChannelInactive()
    }
}

/// A server child channel with a `ClientGoneWatcher` at the head of its pipeline.
public struct ClientGoneWatchingChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value

    let base: BaseChannel

    public init(_ base: BaseChannel) {
        self.base = base
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ClientGoneWatcher(), position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 whose requests can tell when their client has gone (`HTTPCall.untilClientGone`), held to
    /// `policy` (connection caps, request deadlines).
    public static func watchedHTTP1(policy: ConnectionPolicy) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            AdmittingChannel(
                ClientGoneWatchingChannel(HTTP1Channel(responder: responder, configuration: policy.http1Configuration)),
                policy: policy)
        }
    }
}

extension HTTPCall {
    /// Runs `body` (a long-poll) until it ends or the client goes away, whichever is first; in the second
    /// case the body is cancelled and the request ends with an error nobody reads.
    public func untilClientGone<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let channel, let watcher = try? await channel.pipeline.handler(type: ClientGoneWatcher.self).get() else {
            return try await body()
        }
        let signal = watcher.signal
        channel.eventLoop.execute { watcher.readForEndOfInput() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                await signal.wait()
                return nil
            }
            defer { group.cancelAll() }
            while let first = try await group.next() {
                if let value = first { return value }
                // The signal returned: either the client went, or the body finished first and cancelled it.
                if await signal.hasFired { throw MatrixError("M_UNKNOWN", "The client closed the connection", status: 400) }
            }
            throw CancellationError()
        }
    }
}
