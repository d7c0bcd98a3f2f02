import MyelinHTTPClient
import NIOCore
import NIOHTTP1

extension ResolvedServer {
    /// Where the HTTP client connects.
    public var endpoint: HTTPClientEndpoint { HTTPClientEndpoint(host: connectHost, port: port) }

    /// `https://<tlsName><pathAndQuery>`: its host is what TLS checks (IPv6 literals in brackets).
    /// No port: the connection goes to `endpoint`, so the URL's port is never used.
    public func url(_ pathAndQuery: String) -> String {
        let host = tlsName.contains(":") ? "[\(tlsName)]" : tlsName
        return "https://\(host)\(pathAndQuery.hasPrefix("/") ? "" : "/")\(pathAndQuery)"
    }

    /// A request to this server: the URL for TLS, the connection to `endpoint`, the spec's Host header.
    public func request(_ method: HTTPMethod = .GET, pathAndQuery: String, headers: HTTPHeaders = [:],
                        body: ByteBuffer? = nil, timeout: TimeAmount? = nil,
                        maxResponseBodyBytes: Int? = nil) -> HTTPClientRequest {
        HTTPClientRequest(method: method, url: url(pathAndQuery), headers: headers, body: body, timeout: timeout,
                          maxResponseBodyBytes: maxResponseBodyBytes, connectTo: endpoint, hostHeader: hostHeader)
    }
}
