/// Where to open the TCP connection when it is not the URL's own host and port: federation resolves
/// a server name (`.well-known`, SRV) to a host and port that differ from the name the TLS
/// certificate must carry, which stays the URL's host.
public struct HTTPClientEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A host name (looked up with getaddrinfo) or an IP literal (IPv6 with or without brackets).
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
