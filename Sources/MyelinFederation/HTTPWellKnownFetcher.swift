import MyelinHTTPClient
import NIOCore
import NIOHTTP1

/// Fetches `.well-known/matrix/server` with the outbound HTTP client: certificate checked for the
/// host name, the address guard applied, a few redirects followed (the spec allows them), and the
/// body, time and redirects bounded.
public struct HTTPWellKnownFetcher: WellKnownFetching {
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let maxBodyBytes: Int
    private let maxRedirects: Int

    /// - Parameters:
    ///   - maxBodyBytes: Synapse's limit is 50 KiB; the document is one short JSON object.
    ///   - maxRedirects: also what stops a redirect loop.
    public init(client: HTTPClient, timeout: TimeAmount = .seconds(15), maxBodyBytes: Int = 50 * 1024,
                maxRedirects: Int = 3) {
        self.client = client
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.maxRedirects = maxRedirects
    }

    public func fetch(_ hostname: String) async throws -> WellKnownResponse {
        let request = HTTPClientRequest(url: "https://\(hostname)/.well-known/matrix/server",
                                        headers: ["Accept": "application/json"], timeout: timeout,
                                        maxResponseBodyBytes: maxBodyBytes, maxRedirects: maxRedirects)
        let response = try await client.execute(request)
        let cacheControl = response.headers["cache-control"]
        return WellKnownResponse(status: Int(response.status.code), body: Array(response.body.readableBytesView),
                                 cacheControl: cacheControl.isEmpty ? nil : cacheControl.joined(separator: ", "),
                                 expires: response.headers["expires"].last)
    }
}
