/// Where and how to reach a server name (server-server API, "Resolving server names").
public struct ResolvedServer: Sendable, Hashable, CustomStringConvertible {
    /// The name the TLS certificate must be valid for (and the SNI): the server name's host, or the
    /// delegated host name from `.well-known`; lowercased. An IP literal (IPv6 without brackets) when
    /// the certificate must list that address instead.
    public let tlsName: String
    /// Where to connect: an IP literal (IPv6 without brackets) or a host name to look up with A/AAAA
    /// (an SRV target, the delegated host name, or the server's own host).
    public let connectHost: String
    public let port: Int
    /// The `Host` header the spec asks for in this case: the server name or the delegated name as
    /// written, with the port when the spec includes it.
    public let hostHeader: String

    public init(tlsName: String, connectHost: String, port: Int, hostHeader: String) {
        self.tlsName = tlsName
        self.connectHost = connectHost
        self.port = port
        self.hostHeader = hostHeader
    }

    public var description: String { "\(connectHost):\(port) (TLS name \(tlsName), Host \(hostHeader))" }
}

/// Resolves server names. `ServerResolver` does the spec's whole order (IP literals, explicit ports,
/// `.well-known`, SRV, port 8448).
public protocol ServerResolving: Sendable {
    func resolve(_ serverName: String) async throws -> ResolvedServer
}
