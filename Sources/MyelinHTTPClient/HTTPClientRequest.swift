import NIOCore
import NIOHTTP1

/// One outbound request. The body is sent whole with a Content-Length (federation bodies are small JSON).
public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    /// An absolute `http://` or `https://` URL.
    public var url: String
    /// `Host` and `Content-Length` are set by the client; anything else is sent as given.
    public var headers: HTTPHeaders
    public var body: ByteBuffer?
    /// Overrides the configuration's total timeout for this request.
    public var timeout: TimeAmount?
    /// Overrides the configuration's response body limit (large media downloads).
    public var maxResponseBodyBytes: Int?
    /// Where to connect instead of the URL's host and port (federation's SRV and delegation); the URL's
    /// host still names the TLS certificate. (Interim: being implemented on the discovery branch.)
    public var connectTo: HTTPClientEndpoint?
    /// Replaces the Host header the URL would give.
    public var hostHeader: String?

    public init(method: HTTPMethod = .GET, url: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil,
                timeout: TimeAmount? = nil, maxResponseBodyBytes: Int? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBodyBytes = maxResponseBodyBytes
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

/// A host and port to connect to.
public struct HTTPClientEndpoint: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
