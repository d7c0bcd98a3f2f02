import HummingbirdCore
import Logging
import NIOCore

/// What every accepted connection is held to: the connection caps (`ConnectionLimiter`), the request
/// deadlines (`RequestDeadlineHandler`), the idle timeout, and reads small enough that the chunks a
/// connection can have waiting in memory stay small.
public struct ConnectionPolicy: Sendable {
    public let limiter: ConnectionLimiter?
    let deadlines: RequestDeadlineHandler.Deadlines
    public let idleTimeout: TimeAmount
    let faults: ClientFaultLog

    /// The largest read from a socket. NIO's default grows to 64 KiB; with up to ten unread chunks
    /// buffered per connection, 16 KiB keeps a stalled connection's share small.
    static let maxReadBytes = 16 * 1024

    public init(limits: RequestLimits, idleTimeout: TimeAmount, limiter: ConnectionLimiter?, faults: ClientFaultLog) {
        self.limiter = limiter
        self.deadlines = .init(
            headTimeout: .seconds(Int64(limits.headTimeoutSeconds)),
            window: .seconds(Int64(limits.bodyRateWindowSeconds)),
            minBytesPerWindow: limits.bodyMinBytesPerSecond * limits.bodyRateWindowSeconds)
        self.idleTimeout = idleTimeout
        self.faults = faults
    }

    var http1Configuration: HTTP1Channel.Configuration {
        let deadlines = self.deadlines
        let faults = self.faults
        return .init(additionalChannelHandlers: [RequestDeadlineHandler(deadlines: deadlines, faults: faults)],
                     idleTimeout: idleTimeout)
    }
}

/// The outermost child channel: refuses a connection the limiter will not admit (closed before any TLS
/// or HTTP work), caps the read size, and releases the connection's count when it closes.
public struct AdmittingChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value

    struct Refused: Error {}

    let base: BaseChannel
    let policy: ConnectionPolicy

    public init(_ base: BaseChannel, policy: ConnectionPolicy) {
        self.base = base
        self.policy = policy
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: ConnectionPolicy.maxReadBytes))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        guard let limiter = policy.limiter else { return base.setup(channel: channel, logger: logger) }
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress
        let admission = limiter.admit(id, address: address)
        guard case .admitted(let generation) = admission else {
            let faults = policy.faults
            Task {
                await faults.note(admission == .tooManyFromAddress ? .refusedPerAddress : .refusedUnauthenticated,
                                  address: address)
            }
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(Refused())
        }
        channel.closeFuture.whenComplete { _ in limiter.release(id, generation: generation) }
        return base.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
