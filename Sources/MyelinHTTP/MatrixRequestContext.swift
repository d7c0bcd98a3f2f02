import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Hummingbird's per-request context: the core storage plus the client's address.
public struct MatrixRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
