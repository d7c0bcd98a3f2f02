import Logging
import MyelinTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// An outbound HTTP/1.1 client over mbedTLS, for federation: pooled keep-alive connections, bounded
/// time and size per request, and no requests to private addresses unless configured.
/// Errors thrown are `HTTPClientError` (or `CancellationError` while waiting for a connection).
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let pool: ConnectionPool
    private let factory: ConnectionFactory
    private let logger: Logger

    /// - Throws: `HTTPClientError.invalidConfiguration` for a bad allowlist entry or unreadable trust anchors.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration(),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "myelin.http-client")) throws {
        guard configuration.maxConnectionsPerDestination > 0, configuration.maxResponseBodyBytes >= 0 else {
            throw HTTPClientError.invalidConfiguration("connection cap and body limit must be positive")
        }
        let tls: MbedTLSConfiguration
        do {
            tls = try .client(caDirectory: configuration.tls.caDirectory, extraCAFile: configuration.tls.extraCAFile,
                              verify: configuration.tls.verifyCertificates)
        } catch {
            throw HTTPClientError.invalidConfiguration("TLS trust: \(error)")
        }
        self.configuration = configuration
        self.logger = logger
        pool = ConnectionPool(capacity: configuration.maxConnectionsPerDestination)
        factory = ConnectionFactory(
            group: eventLoopGroup,
            resolver: HostResolver(threadPool: .singleton),
            addressGuard: try AddressGuard(allowPrivateAddresses: configuration.allowPrivateAddresses,
                                           allowedNetworks: configuration.allowedPrivateNetworks),
            tls: tls,
            connectTimeout: configuration.connectTimeout,
            idleTimeout: configuration.idleConnectionTimeout,
            logger: logger)
    }

    /// Sends the request and reads the whole response body (up to the size limit).
    public func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        try await followingRedirects(request) { connection, parameters in
            try await connection.collect(parameters).get()
        }
    }

    /// Sends the request and returns once the response head has arrived; the body streams with
    /// back-pressure and still stops at the size limit. Read the body to its end to keep the connection.
    public func stream(_ request: HTTPClientRequest) async throws -> HTTPClientStreamingResponse {
        try await followingRedirects(request) { connection, parameters in
            try await connection.stream(parameters).get()
        }
    }

    /// Closes idle connections; later requests fail with `shutDown`.
    public func shutdown() async {
        await pool.shutdown()
    }

    // MARK: Internals

    private func followingRedirects<Response: ResponseHeadCarrying>(
        _ original: HTTPClientRequest,
        send: @Sendable (HTTPConnection, ExchangeParameters) async throws -> Response
    ) async throws -> Response {
        let deadline = NIODeadline.now() + (original.timeout ?? configuration.totalTimeout)
        var request = original
        var redirects = 0
        while true {
            let target = try RequestTarget(request.url, connectTo: request.connectTo)
            let response = try await exchange(request, target: target, deadline: deadline, send: send)
            let code = response.status.code
            guard [301, 302, 303, 307, 308].contains(code), let location = response.headers.first(name: "location")
            else {
                return response
            }
            // An unread redirect body is dropped here; for a stream that closes its connection.
            let next = target.resolving(location: location)
            let follows = original.maxRedirects.map { $0 > 0 } ?? configuration.followRedirects
            let limit = original.maxRedirects ?? configuration.maxRedirects
            guard follows else { throw HTTPClientError.redirectRefused(location: next) }
            guard redirects < limit else { throw HTTPClientError.tooManyRedirects(limit: limit) }
            let nextTarget = try RequestTarget(next)
            guard !(target.scheme == .https && nextTarget.scheme == .http) else {
                throw HTTPClientError.redirectRefused(location: next)
            }
            redirects += 1
            request.url = next
            if code == 303 || ((code == 301 || code == 302) && request.method == .POST) {
                request.method = .GET
                request.body = nil
            }
            if nextTarget.scheme != target.scheme || nextTarget.host != target.host || nextTarget.port != target.port {
                // Credentials and the route override belong to the old origin, not to wherever it points.
                request.headers.remove(name: "authorization")
                request.connectTo = nil
                request.hostHeader = nil
            }
        }
    }

    /// One request on one connection. A pooled connection may have been closed by the server just as it
    /// was reused; an idempotent request then gets one more try, on a fresh connection.
    private func exchange<Response: Sendable>(
        _ request: HTTPClientRequest, target: RequestTarget, deadline: NIODeadline,
        send: @Sendable (HTTPConnection, ExchangeParameters) async throws -> Response
    ) async throws -> Response {
        let head = try requestHead(request, target: target)
        var mayRetry = request.method.isIdempotent
        while true {
            let factory = factory
            let (connection, reused) = try await pool.lease(Destination(target), deadline: deadline) {
                try await factory.open(target, deadline: deadline)
            }
            let pool = pool
            let parameters = ExchangeParameters(
                head: head, body: request.body,
                bodyLimit: request.maxResponseBodyBytes ?? configuration.maxResponseBodyBytes,
                readTimeout: configuration.readTimeout, deadline: deadline,
                release: { reusable in await pool.release(connection, reusable: reusable) })
            do {
                return try await send(connection, parameters)
            } catch HTTPClientError.connectionClosed where reused && mayRetry {
                mayRetry = false
                logger.debug("pooled connection was closed; retrying", metadata: ["destination": "\(target.origin)"])
            }
        }
    }

    private func requestHead(_ request: HTTPClientRequest, target: RequestTarget) throws -> HTTPRequestHead {
        var headers = request.headers
        headers.replaceOrAdd(name: "Host", value: request.hostHeader ?? target.hostHeader)
        for (name, value) in headers {
            let bad = { (text: String) in text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 } }
            guard !bad(name), !bad(value), !name.isEmpty else {
                throw HTTPClientError.invalidRequest("header \(name) contains a line break or NUL")
            }
        }
        headers.remove(name: "Transfer-Encoding")
        if let body = request.body {
            headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        } else if [.POST, .PUT, .PATCH].contains(request.method) {
            headers.replaceOrAdd(name: "Content-Length", value: "0")
        } else {
            headers.remove(name: "Content-Length")
        }
        if !headers.contains(name: "Connection") { headers.add(name: "Connection", value: "keep-alive") }
        return HTTPRequestHead(version: .http1_1, method: request.method, uri: target.pathAndQuery, headers: headers)
    }
}

/// What redirect handling reads from either kind of response.
protocol ResponseHeadCarrying: Sendable {
    var status: HTTPResponseStatus { get }
    var headers: HTTPHeaders { get }
}

extension HTTPClientResponse: ResponseHeadCarrying {}
extension HTTPClientStreamingResponse: ResponseHeadCarrying {}
