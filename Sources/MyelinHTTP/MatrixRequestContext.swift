import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Hummingbird's per-request context: the core storage plus the client's address.
public struct MatrixRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String?
    /// The connection, to learn when its client goes away (`HTTPCall.untilClientGone`).
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }
}
