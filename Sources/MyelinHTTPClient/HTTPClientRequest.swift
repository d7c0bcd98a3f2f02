import NIOCore
import NIOHTTP1

/// One outbound request. The body is sent whole with a Content-Length (federation bodies are small JSON).
public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    /// An absolute `http://` or `https://` URL. Its host is what TLS verifies (and sends as SNI), even
    /// when `connectTo` sends the connection elsewhere.
    public var url: String
    /// `Host` and `Content-Length` are set by the client; anything else is sent as given.
    public var headers: HTTPHeaders
    public var body: ByteBuffer?
    /// Overrides the configuration's total timeout for this request.
    public var timeout: TimeAmount?
    /// Overrides the configuration's response body limit (large media downloads).
    public var maxResponseBodyBytes: Int?
    /// Connect here instead of the URL's host and port; the address guard still applies. Dropped when
    /// a redirect leaves the URL's scheme, host and port.
    public var connectTo: HTTPClientEndpoint?
    /// The `Host` header to send instead of the one the URL gives (federation: the server name).
    /// Dropped with `connectTo` on a redirect elsewhere.
    public var hostHeader: String?
    /// Overrides the configuration's redirect policy: 0 refuses redirects (`redirectRefused`), n > 0
    /// follows at most n (`.well-known` lookups follow a few even though federation requests do not).
    public var maxRedirects: Int?

    public init(method: HTTPMethod = .GET, url: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil,
                timeout: TimeAmount? = nil, maxResponseBodyBytes: Int? = nil, connectTo: HTTPClientEndpoint? = nil,
                hostHeader: String? = nil, maxRedirects: Int? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.connectTo = connectTo
        self.hostHeader = hostHeader
        self.maxRedirects = maxRedirects
    }
}

extension HTTPMethod {
    /// Methods safe to resend when a pooled connection turns out to have been closed by the server.
    var isIdempotent: Bool {
        switch self {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE: true
        default: false
        }
    }
}
