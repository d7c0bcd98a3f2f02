import NIOCore
import NIOHTTP1

/// A complete response, its body read whole (within the size limit).
public struct HTTPClientResponse: Sendable {
    public let version: HTTPVersion
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
    public let body: ByteBuffer
}

/// A response whose body arrives as it is read from the network. Iterate `body` to the end (or drop
/// it): an abandoned body closes its connection instead of returning it to the pool.
public struct HTTPClientStreamingResponse: Sendable {
    public let version: HTTPVersion
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
    public let body: HTTPClientResponseBody
}
