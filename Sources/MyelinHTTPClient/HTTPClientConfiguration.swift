import NIOCore

/// How an `HTTPClient` behaves. The defaults suit outbound federation: strict TLS, no private
/// destinations, bounded time and memory per request.
public struct HTTPClientConfiguration: Sendable {
    /// Where trust comes from.
    public struct TLS: Sendable {
        /// The system trust store, read with `mbedtls_x509_crt_parse_path`; nil to trust only `extraCAFile`.
        public var caDirectory: String?
        /// One more PEM file of trusted CAs (tests, private federations).
        public var extraCAFile: String?
        /// Off only for tests of the verification itself.
        public var verifyCertificates: Bool

        public init(caDirectory: String? = "/etc/ssl/certs", extraCAFile: String? = nil,
                    verifyCertificates: Bool = true) {
            self.caDirectory = caDirectory
            self.extraCAFile = extraCAFile
            self.verifyCertificates = verifyCertificates
        }
    }

    /// Open connections (busy plus idle) per scheme, URL host and connect host and port; further
    /// requests wait for one.
    public var maxConnectionsPerDestination = 4
    /// TCP connect plus TLS handshake, per address tried.
    public var connectTimeout: TimeAmount = .seconds(10)
    /// Longest silence while waiting for response bytes (not counted while a stream's consumer is slow).
    public var readTimeout: TimeAmount = .seconds(30)
    /// The whole request: DNS, waiting for a connection, connecting, sending, the whole response and
    /// any redirects. `HTTPClientRequest.timeout` overrides it per request.
    public var totalTimeout: TimeAmount = .seconds(60)
    /// A pooled connection unused for this long is closed.
    public var idleConnectionTimeout: TimeAmount = .seconds(60)
    /// Largest response body accepted; `HTTPClientRequest.maxResponseBodyBytes` overrides it per request.
    public var maxResponseBodyBytes = 10 * 1024 * 1024
    /// Off: a 3xx with a Location is an error (`redirectRefused`), as federation expects.
    public var followRedirects = false
    public var maxRedirects = 5
    /// On: any resolved address may be used. Off (the default): private, loopback, link-local,
    /// unique-local, multicast and unspecified addresses are refused, except those in `allowedPrivateNetworks`.
    public var allowPrivateAddresses = false
    /// CIDR blocks ("10.0.0.0/8", "::1/128", or a bare address) exempt from the refusal above.
    public var allowedPrivateNetworks: [String] = []
    public var tls = TLS()

    public init() {}

    /// Checks what can be checked without I/O (the allowlist's CIDR syntax, positive limits), so a
    /// server refuses a bad configuration at startup rather than at its first outbound request.
    public func validate() throws(HTTPClientError) {
        guard maxConnectionsPerDestination > 0, maxResponseBodyBytes >= 0 else {
            throw HTTPClientError.invalidConfiguration("connection cap and body limit must be positive")
        }
        _ = try AddressGuard(allowPrivateAddresses: allowPrivateAddresses, allowedNetworks: allowedPrivateNetworks)
    }
}
