import MyelinTLS

/// Everything an `HTTPClient` request can fail with.
public enum HTTPClientError: Error, Sendable, CustomStringConvertible {
    case invalidURL(String)
    case invalidConfiguration(String)
    /// The request itself cannot be sent as given (a header with a line break, ...).
    case invalidRequest(String)
    /// The name did not resolve.
    case dnsFailure(host: String, reason: String)
    /// Every address of the destination is in a range the address guard refuses.
    case addressRefused(address: String, host: String)
    /// No TCP connection (or TLS handshake) within the connect timeout.
    case connectTimeout(address: String)
    /// The TCP connection was refused or could not be made.
    case connectFailed(address: String, reason: String)
    /// The TLS handshake or a TLS record failed; a refused certificate says why in `verification`.
    case tls(MbedTLSError)
    /// The server went silent for longer than the read timeout.
    case readTimeout
    /// The request took longer than its total timeout.
    case totalTimeout
    /// The response body is (or announced itself as) larger than the limit, in bytes.
    case responseTooLarge(limit: Int)
    /// A redirect arrived while redirects are not followed, or would downgrade HTTPS to HTTP.
    case redirectRefused(location: String)
    case tooManyRedirects(limit: Int)
    /// The server closed the connection before the response was complete.
    case connectionClosed
    /// The response was not valid HTTP/1.1.
    case invalidResponse(String)
    /// `shutdown()` was called.
    case shutDown

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid URL: \(reason)"
        case .invalidConfiguration(let reason): "invalid HTTP client configuration: \(reason)"
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .dnsFailure(let host, let reason): "could not resolve \(host): \(reason)"
        case .addressRefused(let address, let host):
            "refused to connect to \(host) at \(address): a private, loopback, link-local or otherwise " +
                "non-public address (allow it with allowedPrivateNetworks)"
        case .connectTimeout(let address): "connecting to \(address) timed out"
        case .connectFailed(let address, let reason): "could not connect to \(address): \(reason)"
        case .tls(let error): "TLS: \(error)"
        case .readTimeout: "the server sent nothing for longer than the read timeout"
        case .totalTimeout: "the request took longer than its total timeout"
        case .responseTooLarge(let limit): "the response body is larger than the limit of \(limit) bytes"
        case .redirectRefused(let location): "refused to follow a redirect to \(location)"
        case .tooManyRedirects(let limit): "more than \(limit) redirects"
        case .connectionClosed: "the server closed the connection before the response was complete"
        case .invalidResponse(let reason): "invalid HTTP response: \(reason)"
        case .shutDown: "the HTTP client is shut down"
        }
    }
}
