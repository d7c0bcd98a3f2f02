#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Resolves host names with the system's getaddrinfo (so /etc/hosts and nsswitch apply), on a thread
/// pool because getaddrinfo blocks.
struct HostResolver: Sendable {
    let threadPool: NIOThreadPool

    /// All addresses of `host` (both families, in getaddrinfo's preference order, without duplicates).
    func resolve(host: String, port: Int, on eventLoop: any EventLoop) -> EventLoopFuture<[SocketAddress]> {
        threadPool.runIfActive(eventLoop: eventLoop) {
            try Self.lookUp(host: host, port: port)
        }
    }

    private static func lookUp(host: String, port: Int) throws(HTTPClientError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        guard rc == 0 else {
            throw .dnsFailure(host: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let current = entry?.pointee {
            entry = current.ai_next
            guard let raw = current.ai_addr else { continue }
            var address: SocketAddress?
            switch current.ai_family {
            case AF_INET:
                address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) }
            case AF_INET6:
                address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) }
            default:
                break
            }
            guard var address else { continue }
            address.port = port
            if !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { throw .dnsFailure(host: host, reason: "no IPv4 or IPv6 address") }
        return addresses
    }
}
