import HTTPTypes
import Hummingbird
import MatrixCore
import MyelinAccounts
import NIOCore

/// One request as a handler sees it: path parameters (percent-decoded), query, caller, address and the
/// body, already size-checked.
public struct HTTPCall: Sendable {
    public let method: HTTPRequest.Method
    public let path: String
    public let parameters: [String: String]
    public let query: [String: String]
    public let headers: HTTPFields
    public let requester: Requester?
    /// The verified origin server of a federation request (routes with `.server` auth).
    public let origin: String?
    /// Every query parameter in order, repeats kept (`/backfill?v=a&v=b`); `query` keeps the first of each.
    public let queryItems: [(String, String)]
    public let remoteAddress: String?
    public let body: ByteBuffer
    /// The body as it arrives, for routes that stream it (`Route.streamsBody`); `body` is then empty. Its
    /// size is checked against the route's limit as it is read.
    public let bodyStream: StreamedRequestBody?
    let maxJSONDepth: Int
    /// The connection the request came on (nil in tests that build calls by hand).
    let channel: (any Channel)?

    init(method: HTTPRequest.Method, path: String, parameters: [String: String], query: [String: String],
         queryItems: [(String, String)] = [], headers: HTTPFields, requester: Requester?, origin: String? = nil,
         remoteAddress: String?, body: ByteBuffer, bodyStream: StreamedRequestBody? = nil, maxJSONDepth: Int,
         channel: (any Channel)? = nil) {
        self.method = method
        self.path = path
        self.parameters = parameters
        self.query = query
        self.queryItems = queryItems
        self.headers = headers
        self.requester = requester
        self.origin = origin
        self.remoteAddress = remoteAddress
        self.body = body
        self.bodyStream = bodyStream
        self.maxJSONDepth = maxJSONDepth
        self.channel = channel
    }

    /// The authenticated caller; handlers of routes marked `.required` can rely on it.
    public var user: Requester {
        get throws(MatrixError) {
            guard let requester else { throw MatrixError.missingToken() }
            return requester
        }
    }

    /// The origin of a server-authenticated request; handlers of `.server` routes can rely on it.
    public var server: String {
        get throws(MatrixError) {
            guard let origin else { throw MatrixError("M_UNAUTHORIZED", "Not a signed server request", status: 401) }
            return origin
        }
    }

    public func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// All values of a repeated query parameter.
    public func queryValues(_ name: String) -> [String] { queryItems.filter { $0.0 == name }.map(\.1) }

    /// The body as a JSON value: `M_NOT_JSON` for bytes that are not JSON, `M_BAD_JSON` for JSON that breaks
    /// Matrix's rules (duplicate keys, too deep, lone surrogates).
    public func json() throws(MatrixError) -> JSONValue {
        let bytes = body.readableBytesView
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw MatrixError.notJSON("The request body is empty; a JSON object was expected")
        }
        do {
            return try JSONParser.parse(bytes, options: .init(maxDepth: maxJSONDepth))
        } catch {
            switch error.kind {
            case .duplicateKey, .tooDeep, .loneSurrogate, .integerOutOfRange:
                throw MatrixError.badJSON("Invalid JSON: \(error.description)")
            default:
                throw MatrixError.notJSON("Content not JSON: \(error.description)")
            }
        }
    }

    /// The body as a JSON object (what almost every endpoint takes).
    public func jsonObject() throws(MatrixError) -> JSONBody {
        guard case .object(let object) = try json() else {
            throw MatrixError.badJSON("The request body must be a JSON object")
        }
        return JSONBody(object)
    }

    /// Like `jsonObject`, but an empty body counts as `{}` (endpoints whose fields are all optional).
    public func optionalJSONObject() throws(MatrixError) -> JSONBody {
        if body.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return JSONBody([:])
        }
        return try jsonObject()
    }
}

/// What a handler returns.
public struct MatrixResponse: Sendable {
    public var status: HTTPResponse.Status
    public var body: [UInt8]
    public var contentType: String
    /// Headers beyond Content-Type and CORS (Retry-After, media headers).
    public var extraHeaders: [(String, String)] = []
    /// A body streamed after the headers (media files); when set, `body` is unused.
    public var streamedBody: StreamedBody?

    public init(status: HTTPResponse.Status = .ok, json: JSONValue) {
        self.status = status
        self.body = CanonicalJSON.encodeLenient(json)
        self.contentType = "application/json"
    }

    /// Raw JSON bytes already in storage (account data): served as they are.
    public init(status: HTTPResponse.Status = .ok, jsonBytes: [UInt8]) {
        self.status = status
        self.body = jsonBytes
        self.contentType = "application/json"
    }

    public static let empty = MatrixResponse(json: .object([:]))
}
