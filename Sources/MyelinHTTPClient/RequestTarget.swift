/// An absolute http(s) URL taken apart: where to connect and what to ask for. Parsed by hand, strictly:
/// no user info, no IPv6 zone, no bytes outside printable ASCII in the path (they would let a caller
/// smuggle a second request line or header).
struct RequestTarget: Sendable, Hashable {
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

    init(_ url: String) throws(HTTPClientError) {
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

        var hostPart: Substring
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
        if hostPart.hasSuffix(".") { hostPart = hostPart.dropLast() }
        guard !hostPart.isEmpty else { throw .invalidURL("\(url) has no host") }
        let host = hostPart.lowercased()
        let ipAddress = IPAddress(host)
        if ipAddress == nil {
            let allowed = host.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ||
                    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) ||
                    byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            }
            guard allowed else { throw .invalidURL("\(url): \(host) is not a valid host name") }
        }

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
