/// Fetches `https://<hostname>/.well-known/matrix/server`. `HTTPWellKnownFetcher` is the real one;
/// tests stand in. Interpreting the answer (status, JSON, cache headers) is the resolver's job.
public protocol WellKnownFetching: Sendable {
    /// The response, whatever its status. Throws when there is none: no connection, TLS refused,
    /// timeout, too many redirects, a body over the size limit.
    func fetch(_ hostname: String) async throws -> WellKnownResponse
}

/// What a `.well-known/matrix/server` request returned (after any redirects).
public struct WellKnownResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// All `Cache-Control` header values joined with ", " (nil when there are none).
    public var cacheControl: String?
    /// The last `Expires` header.
    public var expires: String?

    public init(status: Int, body: [UInt8], cacheControl: String? = nil, expires: String? = nil) {
        self.status = status
        self.body = body
        self.cacheControl = cacheControl
        self.expires = expires
    }
}
