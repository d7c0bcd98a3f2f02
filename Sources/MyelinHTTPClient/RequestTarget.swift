/// An absolute http(s) URL taken apart: where to connect and what to ask for. Parsed by hand, strictly:
/// no user info, no IPv6 zone, no bytes outside printable ASCII in the path (they would let a caller
/// smuggle a second request line or header).
struct RequestTarget: Sendable, Hashable {
    /// Where the TCP connection goes: the URL's host and port, or the request's `connectTo` override.
    /// TLS (SNI, certificate check) always uses the URL's host, never this.
    struct Route: Sendable, Hashable {
        /// Lowercased, without brackets or a trailing dot.
        let host: String
        /// Set when `host` is an IP literal: then no DNS lookup.
        let ipAddress: IPAddress?
        let port: Int
    }

    enum Scheme: String, Sendable {
        case http
        case https

        var defaultPort: Int { self == .https ? 443 : 80 }
    }

    let scheme: Scheme
    /// Lowercased, without brackets or a trailing dot.
    let host: String
    /// Set when `host` is an IP literal: then no DNS, no SNI, and the certificate must list the address.
    let ipAddress: IPAddress?
    let port: Int
    /// Path and query, never empty.
    let pathAndQuery: String
    let route: Route

    init(_ url: String, connectTo endpoint: HTTPClientEndpoint? = nil) throws(HTTPClientError) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw .invalidURL("\(url) is not an absolute URL")
        }
        guard let scheme = Scheme(rawValue: url[..<colon].lowercased()) else {
            throw .invalidURL("\(url): only http and https are supported")
        }
        let rest = url[colon...].dropFirst(3)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = rest[authorityEnd...]
        if let fragment = path.firstIndex(of: "#") { path = path[..<fragment] }
        guard !authority.contains("@") else { throw .invalidURL("\(url): user info is not supported") }

        let hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL("\(url): unclosed [") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidURL("\(url): junk after ]") }
                portPart = after.dropFirst()
            }
            guard let address = IPAddress(String(hostPart)), address.bytes.count == 16 else {
                throw .invalidURL("\(url): [\(hostPart)] is not an IPv6 address")
            }
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw .invalidURL("\(url): an IPv6 address needs brackets") }
            hostPart = pieces[0]
            if pieces.count == 2 { portPart = pieces[1] }
        }
        let (host, ipAddress) = try Self.normalizedHost(hostPart, in: url)

        var port = scheme.defaultPort
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, let number = Int(portPart), (1...65535).contains(number) else {
                throw .invalidURL("\(url): bad port \(portPart)")
            }
            port = number
        }
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidURL("\(url): the path must be percent-encoded printable ASCII")
        }

        self.scheme = scheme
        self.host = host
        self.ipAddress = ipAddress
        self.port = port
        self.pathAndQuery = path.isEmpty ? "/" : (path.hasPrefix("?") ? "/" + path : String(path))
        if let endpoint {
            route = try Self.connectRoute(endpoint)
        } else {
            route = Route(host: host, ipAddress: ipAddress, port: port)
        }
    }

    /// A connect override checked as strictly as a URL's host and port.
    private static func connectRoute(_ endpoint: HTTPClientEndpoint) throws(HTTPClientError) -> Route {
        var text = Substring(endpoint.host)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        let (host, ipAddress) = try normalizedHost(text, in: "connectTo \(endpoint)")
        guard (1...65535).contains(endpoint.port) else { throw .invalidURL("connectTo \(endpoint): bad port") }
        return Route(host: host, ipAddress: ipAddress, port: endpoint.port)
    }

    /// Lowercased, without a trailing dot, and either an IP literal or letters, digits, '-', '.', '_'.
    private static func normalizedHost(_ text: Substring, in context: String) throws(HTTPClientError)
        -> (String, IPAddress?)
    {
        var text = text
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty else { throw .invalidURL("\(context) has no host") }
        let host = text.lowercased()
        if let ipAddress = IPAddress(host) { return (host, ipAddress) }
        let allowed = host.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ||
                (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) ||
                byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        }
        guard allowed else { throw .invalidURL("\(context): \(host) is not a valid host name") }
        return (host, nil)
    }

    /// The `Host` header: the port only when it is not the scheme's default; IPv6 in brackets.
    var hostHeader: String {
        let name = ipAddress?.bytes.count == 16 ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// The origin, for logs and messages.
    var origin: String { "\(scheme.rawValue)://\(hostHeader)" }

    /// Where a Location header points, relative to this URL (absolute, scheme-relative, absolute path
    /// or relative path).
    func resolving(location: String) -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        if location.hasPrefix("//") { return "\(scheme.rawValue):\(location)" }
        if location.hasPrefix("/") { return origin + location }
        let path = pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return origin + directory + location
    }
}
