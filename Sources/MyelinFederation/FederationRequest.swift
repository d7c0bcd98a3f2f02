import MatrixCore

/// One request to another homeserver, addressed by server name (resolved per the spec's discovery rules).
public struct FederationRequest: Sendable {
    public enum Method: String, Sendable {
        case GET, PUT, POST
    }

    public var method: Method
    /// The destination's server name (`example.org`, `127.0.0.1:8448`).
    public var destination: String
    /// The path, already percent-encoded (`/_matrix/federation/v1/event/%24abc`).
    public var path: String
    /// Query parameters, encoded by the transport in this order. Repeated names are allowed (`v=1&v=2`).
    public var query: [(String, String)]
    public var body: JSONValue?
    /// Off for the key endpoints, which are public and not signed.
    public var signed: Bool
    /// Overrides the transport's default total timeout, in seconds.
    public var timeoutSeconds: Int?
    /// Overrides the transport's default response body limit.
    public var maxResponseBytes: Int?

    public init(_ method: Method, destination: String, path: String, query: [(String, String)] = [],
                body: JSONValue? = nil, signed: Bool = true, timeoutSeconds: Int? = nil,
                maxResponseBytes: Int? = nil) {
        self.method = method
        self.destination = destination
        self.path = path
        self.query = query
        self.body = body
        self.signed = signed
        self.timeoutSeconds = timeoutSeconds
        self.maxResponseBytes = maxResponseBytes
    }

    /// The request target as it goes on the request line and into the X-Matrix signature.
    public var uri: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(PathEncoding.queryComponent($0.0))=\(PathEncoding.queryComponent($0.1))" }
            .joined(separator: "&")
    }
}

/// A remote server's answer.
public struct FederationResponse: Sendable {
    public let status: Int
    public let body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// The body as a JSON object; `FederationError.badResponse` when it is not one.
    public func jsonObject(from destination: String) throws -> JSONObject {
        do {
            guard case .object(let object) = try JSONParser.parse(body) else {
                throw FederationError.badResponse(destination, "the response is not a JSON object")
            }
            return object
        } catch let error as FederationError {
            throw error
        } catch {
            throw FederationError.badResponse(destination, "the response is not JSON: \(error)")
        }
    }

    /// The Matrix error code of a failure response, if it carries one.
    public var errcode: String? {
        guard case .object(let object)? = try? JSONParser.parse(body) else { return nil }
        return object["errcode"]?.stringValue
    }
}

/// Sends requests to other servers. `FederationClient` is the real one; tests may stand in.
public protocol FederationTransport: Sendable {
    /// Resolves the destination, sends the request (signed with X-Matrix when `signed`) and reads the
    /// whole response. Throws `FederationError` for transport failures; a non-2xx answer is returned,
    /// not thrown, so callers can read its errcode.
    func send(_ request: FederationRequest) async throws -> FederationResponse
}

extension FederationTransport {
    /// Sends and requires a 2xx JSON object answer.
    public func json(_ request: FederationRequest) async throws -> JSONObject {
        let response = try await send(request)
        guard (200..<300).contains(response.status) else {
            throw FederationError.remoteRefused(request.destination, status: response.status,
                                                errcode: response.errcode ?? "",
                                                message: String(decoding: response.body.prefix(300), as: UTF8.self))
        }
        return try response.jsonObject(from: request.destination)
    }
}
