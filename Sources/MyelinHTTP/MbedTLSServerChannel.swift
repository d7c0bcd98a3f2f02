import HummingbirdCore
import Logging
import MyelinTLS
import NIOCore

/// A Hummingbird child channel that puts mbedTLS in front of another child channel (HTTP/1.1), as
/// HummingbirdTLS does for NIOSSL. Each connection takes the store's current configuration, so a
/// certificate reload affects new connections only.
public struct MbedTLSServerChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value

    let base: BaseChannel
    let store: TLSConfigurationStore
    let handshakeTimeout: TimeAmount

    public init(_ base: BaseChannel, store: TLSConfigurationStore, handshakeTimeout: TimeAmount) {
        self.base = base
        self.store = store
        self.handshakeTimeout = handshakeTimeout
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let configuration = store.configuration
        let timeout = handshakeTimeout
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                MbedTLSHandler(configuration: configuration, handshakeTimeout: timeout, logger: logger))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over mbedTLS, held to `policy`; a refused connection is closed before its handshake.
    public static func mbedTLSHTTP1(store: TLSConfigurationStore, handshakeTimeout: TimeAmount, policy: ConnectionPolicy)
        -> HTTPServerBuilder
    {
        HTTPServerBuilder { responder in
            AdmittingChannel(
                MbedTLSServerChannel(
                    ClientGoneWatchingChannel(HTTP1Channel(responder: responder, configuration: policy.http1Configuration)),
                    store: store, handshakeTimeout: handshakeTimeout),
                policy: policy)
        }
    }
}
