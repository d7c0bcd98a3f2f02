import Foundation
import MatrixCore
import MyelinFederation
import MyelinHTTPClient
import NIOCore
import NIOHTTP1

/// Server names to the plain-HTTP base URLs of in-process test servers, filled in once they listen.
final class LoopbackDirectory: @unchecked Sendable {
    private let lock = NSLock()
    private var baseURLs: [String: String] = [:]

    func register(_ serverName: String, port: Int) {
        lock.withLock { baseURLs[serverName] = "http://127.0.0.1:\(port)" }
    }

    func baseURL(_ serverName: String) -> String? { lock.withLock { baseURLs[serverName] } }
}

/// A federation transport for tests: real HTTP through `MyelinHTTPClient` to the test server a name maps
/// to (plain HTTP, loopback allowed), unsigned. Unknown names fail as an unresolvable server would.
struct LoopbackFederationTransport: FederationTransport {
    let directory: LoopbackDirectory
    let client: HTTPClient

    init(directory: LoopbackDirectory) throws {
        var configuration = HTTPClientConfiguration()
        configuration.allowPrivateAddresses = true
        configuration.totalTimeout = .seconds(20)
        self.directory = directory
        client = try HTTPClient(configuration: configuration)
    }

    func send(_ request: FederationRequest) async throws -> FederationResponse {
        guard let base = directory.baseURL(request.destination) else {
            throw FederationError.unresolvable(request.destination, "not a test server")
        }
        var headers = HTTPHeaders()
        var body: ByteBuffer? = nil
        if let json = request.body {
            headers.add(name: "Content-Type", value: "application/json")
            body = ByteBuffer(bytes: CanonicalJSON.encodeLenient(json))
        }
        let method: HTTPMethod = switch request.method {
        case .GET: .GET
        case .PUT: .PUT
        case .POST: .POST
        }
        do {
            let response = try await client.execute(HTTPClientRequest(
                method: method, url: base + request.uri, headers: headers, body: body,
                timeout: request.timeoutSeconds.map { .seconds(Int64($0)) },
                maxResponseBodyBytes: request.maxResponseBytes))
            return FederationResponse(status: Int(response.status.code), body: Array(response.body.readableBytesView))
        } catch {
            throw FederationError.unreachable(request.destination, "\(error)")
        }
    }
}
