import NIOCore

/// The chunks of a streamed response body. Back-pressure reaches the socket: while a few chunks wait
/// unconsumed the connection stops reading. The size limit still holds: past it, iteration throws
/// `HTTPClientError.responseTooLarge`. Iterate it once.
public struct HTTPClientResponseBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, BodyStreamDelegate
    >

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Producer.AsyncIterator

        public mutating func next() async throws -> ByteBuffer? {
            try await inner.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: producer.makeAsyncIterator())
    }

    /// Reads the rest of the body into one buffer.
    public func collect() async throws -> ByteBuffer {
        var whole = ByteBuffer()
        for try await var chunk in self { whole.writeBuffer(&chunk) }
        return whole
    }
}

/// Carries the consumer's demand back to the connection's event loop. The exchange number keeps a
/// late signal from an earlier response off a connection that has moved on to another request.
struct BodyStreamDelegate: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<HTTPConnectionHandler>
    let exchange: UInt64

    func produceMore() {
        let handler = handler
        let exchange = exchange
        handler.eventLoop.execute { handler.value.consumerWantsMore(exchange: exchange) }
    }

    func didTerminate() {
        let handler = handler
        let exchange = exchange
        handler.eventLoop.execute { handler.value.consumerGone(exchange: exchange) }
    }
}
