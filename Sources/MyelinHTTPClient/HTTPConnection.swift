import NIOCore

/// One open client connection (TCP, maybe TLS, HTTP/1.1), as the pool and the client hold it.
/// Requests go to its handler on the channel's event loop.
final class HTTPConnection: Sendable {
    let channel: any Channel
    let destination: Destination
    private let handler: NIOLoopBound<HTTPConnectionHandler>

    init(channel: any Channel, destination: Destination, handler: NIOLoopBound<HTTPConnectionHandler>) {
        self.channel = channel
        self.destination = destination
        self.handler = handler
    }

    var isActive: Bool { channel.isActive }

    /// Completes when the connection can carry requests (TLS handshake done), or fails with why not.
    var ready: EventLoopFuture<Void> {
        let handler = handler
        return channel.eventLoop.flatSubmit { handler.value.ready.futureResult }
    }

    func close() {
        channel.close(promise: nil)
    }

    /// Sends a request and reads the whole response.
    func collect(_ parameters: ExchangeParameters) -> EventLoopFuture<HTTPClientResponse> {
        let promise = channel.eventLoop.makePromise(of: HTTPClientResponse.self)
        start(parameters, delivery: .collect(promise))
        return promise.futureResult
    }

    /// Sends a request; the response's head comes back as soon as it arrives, its body as a stream.
    func stream(_ parameters: ExchangeParameters) -> EventLoopFuture<HTTPClientStreamingResponse> {
        let promise = channel.eventLoop.makePromise(of: HTTPClientStreamingResponse.self)
        start(parameters, delivery: .stream(promise))
        return promise.futureResult
    }

    private func start(_ parameters: ExchangeParameters, delivery: ExchangeDelivery) {
        let handler = handler
        channel.eventLoop.execute { handler.value.start(parameters, delivery: delivery) }
    }
}

/// Where pooled connections go: connections are shared only between requests with the same scheme,
/// URL host (the TLS name) and connect host and port, so two routes to one name, or one address
/// reached under two names, never share a connection.
struct Destination: Hashable, Sendable, CustomStringConvertible {
    let scheme: RequestTarget.Scheme
    let host: String
    let connectHost: String
    let connectPort: Int

    init(_ target: RequestTarget) {
        scheme = target.scheme
        host = target.host
        connectHost = target.route.host
        connectPort = target.route.port
    }

    var description: String {
        let connect = connectHost.contains(":") ? "[\(connectHost)]:\(connectPort)" : "\(connectHost):\(connectPort)"
        return connectHost == host ? "\(scheme.rawValue)://\(connect)" : "\(scheme.rawValue)://\(host) via \(connect)"
    }
}
