import Logging
import MatrixCore
import MyelinHTTPClient
import NIOCore
import NIOHTTP1

/// The real `FederationTransport`: resolves the destination's server name, signs the request with our
/// key (X-Matrix) and sends it over the outbound HTTPS client, which bounds time and size.
public final class FederationClient: FederationTransport {
    let serverName: ServerName
    let signingKey: SigningKey
    let http: HTTPClient
    let resolver: any ServerResolving
    let logger: Logger

    public init(serverName: ServerName, signingKey: SigningKey, http: HTTPClient, resolver: any ServerResolving,
                logger: Logger) {
        self.serverName = serverName
        self.signingKey = signingKey
        self.http = http
        self.resolver = resolver
        self.logger = logger
    }

    public func send(_ request: FederationRequest) async throws -> FederationResponse {
        guard request.destination != serverName.description else {
            throw FederationError.disabled("a request to ourselves (\(request.destination)) is never sent")
        }
        let resolved = try await resolver.resolve(request.destination)
        let uri = request.uri
        var headers = HTTPHeaders()
        var body: ByteBuffer? = nil
        if let content = request.body {
            let bytes: [UInt8]
            do {
                bytes = try CanonicalJSON.encode(content)
            } catch {
                throw FederationError.badResponse(request.destination, "cannot encode the request body: \(error)")
            }
            body = ByteBuffer(bytes: bytes)
            headers.add(name: "Content-Type", value: "application/json")
        }
        if request.signed {
            do {
                let auth = try XMatrixAuthorization.sign(
                    method: request.method.rawValue, uri: uri, origin: serverName,
                    destination: request.destination, content: request.body, key: signingKey)
                headers.add(name: "Authorization", value: auth.headerValue)
            } catch {
                throw FederationError.badResponse(request.destination, "cannot sign the request: \(error)")
            }
        }
        headers.add(name: "User-Agent", value: "Myelin")
        let outbound = resolved.request(
            HTTPMethod(rawValue: request.method.rawValue), pathAndQuery: uri, headers: headers, body: body,
            timeout: request.timeoutSeconds.map { .seconds(Int64($0)) }, maxResponseBodyBytes: request.maxResponseBytes)
        do {
            let response = try await http.execute(outbound)
            return FederationResponse(status: Int(response.status.code), body: Array(response.body.readableBytesView))
        } catch let error as HTTPClientError {
            logger.debug("federation request failed", metadata: [
                "destination": "\(request.destination)", "path": "\(request.path)", "error": "\(error)",
            ])
            throw FederationError.unreachable(request.destination, error.description)
        }
    }
}
