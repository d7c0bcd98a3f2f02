import Hummingbird
import MatrixCore
import NIOCore

/// A request body read as it arrives (media uploads): at most one chunk in memory, the route's size limit
/// checked as bytes come, and a client that stops sending answered as the client's fault (400), not ours.
public struct StreamedRequestBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let body: RequestBody
    let limit: Int
    /// The request's `Content-Length`, when it sent one (already checked against `limit`).
    public let declaredLength: Int?

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        public mutating func next() async throws -> ByteBuffer? {
            let chunk: ByteBuffer?
            do {
                chunk = try await base.next()
            } catch {
                throw MatrixError("M_UNKNOWN", "The request body ended early", status: 400)
            }
            guard let chunk else { return nil }
            seen += chunk.readableBytes
            if seen > limit { throw MatrixError.tooLarge("The request body is larger than \(limit) bytes") }
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: body.makeAsyncIterator(), limit: limit)
    }
}

extension HTTPCall {
    /// The streamed body of a `streamsBody` route.
    public func streamedBody() throws(MatrixError) -> StreamedRequestBody {
        guard let bodyStream else { throw MatrixError("M_UNKNOWN", "This request has no streamed body", status: 500) }
        return bodyStream
    }
}
