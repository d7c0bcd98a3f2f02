import Logging
import MyelinTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens new connections: resolves the connect host (the URL's, or the request's `connectTo`), keeps
/// only addresses the guard permits, connects to one of those exact addresses (never resolving the
/// name again, so DNS cannot swap in a refused address between check and use), and completes the TLS
/// handshake against the URL's host name or IP literal.
struct ConnectionFactory: Sendable {
    let group: any EventLoopGroup
    let resolver: HostResolver
    let addressGuard: AddressGuard
    let tls: MbedTLSConfiguration?
    let connectTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let logger: Logger

    func open(_ target: RequestTarget, deadline: NIODeadline) async throws -> HTTPConnection {
        let addresses = try await permittedAddresses(target, deadline: deadline)
        var lastError = HTTPClientError.dnsFailure(host: target.route.host, reason: "no usable address")
        // Addresses in resolver order, one at a time: a host whose IPv6 is unreachable still works.
        for address in addresses {
            guard NIODeadline.now() < deadline else { throw HTTPClientError.totalTimeout }
            do {
                return try await connect(target, to: address, deadline: deadline)
            } catch let error as HTTPClientError {
                switch error {
                case .connectTimeout, .connectFailed:
                    logger.debug("connect failed, trying the next address",
                                 metadata: ["address": "\(address)", "error": "\(error)"])
                    lastError = error
                default:
                    throw error
                }
            }
        }
        throw lastError
    }

    private func permittedAddresses(_ target: RequestTarget, deadline: NIODeadline) async throws -> [SocketAddress] {
        let candidates: [SocketAddress]
        if let literal = target.route.ipAddress, let address = literal.socketAddress(port: target.route.port) {
            candidates = [address]
        } else {
            candidates = try await resolve(target, deadline: deadline)
        }
        let permitted = candidates.filter { address in IPAddress(address).map(addressGuard.permits) ?? false }
        guard !permitted.isEmpty else {
            let refused = candidates.first.flatMap { IPAddress($0) }.map { "\($0)" } ?? "?"
            logger.notice("outbound request refused: non-public address",
                          metadata: ["host": "\(target.route.host)", "address": "\(refused)"])
            throw HTTPClientError.addressRefused(address: refused, host: target.route.host)
        }
        return permitted
    }

    /// getaddrinfo cannot be interrupted, so a lookup past the deadline is abandoned, not cancelled.
    private func resolve(_ target: RequestTarget, deadline: NIODeadline) async throws -> [SocketAddress] {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: [SocketAddress].self)
        resolver.resolve(host: target.route.host, port: target.route.port, on: eventLoop).cascade(to: promise)
        let timer = eventLoop.scheduleTask(deadline: deadline) { promise.fail(HTTPClientError.totalTimeout) }
        defer { timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch let error as HTTPClientError {
            throw error
        } catch {
            throw HTTPClientError.dnsFailure(host: target.route.host, reason: "\(error)")
        }
    }

    private func connect(_ target: RequestTarget, to address: SocketAddress, deadline: NIODeadline) async throws
        -> HTTPConnection
    {
        let remaining = deadline - .now()
        let timeout = min(connectTimeout, remaining)
        let destination = Destination(target)
        let tls = target.scheme == .https ? tls : nil
        let connectTimeout = connectTimeout
        let idleTimeout = idleTimeout
        let logger = logger
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        let connection: HTTPConnection
        do {
            connection = try await bootstrap.connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        // The host name goes out as SNI and is matched by mbedTLS; an IP literal is
                        // matched against the certificate's iPAddress SANs instead (no SNI for IPs).
                        try pipeline.addHandler(MbedTLSHandler(
                            configuration: tls,
                            serverHostname: target.ipAddress == nil ? target.host : nil,
                            serverIPAddress: target.ipAddress?.bytes,
                            // A backstop only: HTTPConnectionHandler fails the handshake at the connect timeout.
                            handshakeTimeout: connectTimeout + .seconds(5),
                            logger: logger))
                    }
                    try pipeline.addHTTPClientHandlers()
                    let handler = HTTPConnectionHandler(eventLoop: channel.eventLoop, usesTLS: tls != nil,
                                                        connectTimeout: connectTimeout, totalDeadline: deadline,
                                                        idleTimeout: idleTimeout)
                    try pipeline.addHandler(handler)
                    return HTTPConnection(channel: channel, destination: destination,
                                          handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
        } catch let error as ChannelError {
            if case .connectTimeout = error {
                throw timeout < connectTimeout
                    ? HTTPClientError.totalTimeout : HTTPClientError.connectTimeout(address: "\(address)")
            }
            throw HTTPClientError.connectFailed(address: "\(address)", reason: "\(error)")
        } catch {
            throw HTTPClientError.connectFailed(address: "\(address)", reason: "\(error)")
        }
        try await connection.ready.get()
        logger.debug("connected", metadata: ["destination": "\(destination)", "address": "\(address)"])
        return connection
    }
}
