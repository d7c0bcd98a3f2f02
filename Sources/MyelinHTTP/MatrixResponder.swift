import HTTPTypes
import Hummingbird
import Logging
import MatrixCore
import MyelinAccounts
import MyelinFederation
import NIOCore

/// The request pipeline every Matrix request goes through: CORS, routing (404/405), authentication, rate
/// limiting and the body limit, all from the request's head before any body byte is buffered; then the
/// body (drawn from the shared body budget), the handler, and the conversion of every failure to a Matrix
/// error. Nothing a client sends can make it answer 500; only a fault of ours (a database failure) does.
public struct MatrixResponder: HTTPResponder {
    public typealias Context = MatrixRequestContext

    let routes: RouteTable
    let settings: HTTPSettings
    let sessions: SessionService
    let rateLimiter: RateLimiter
    let bodyBudget: RequestBodyBudget
    /// Bounds the request-log lines of refused requests per address.
    let faults: ClientFaultLog
    /// Marks connections on which a request authenticated (nil: connections are not counted).
    let connections: ConnectionLimiter?
    /// Checks X-Matrix signatures; nil when federation is off (no `.server` routes are then served).
    let serverVerifier: InboundRequestVerifier?
    let logger: Logger

    public init(routes: RouteTable, settings: HTTPSettings, sessions: SessionService, rateLimiter: RateLimiter,
                bodyBudget: RequestBodyBudget, connections: ConnectionLimiter? = nil, faults: ClientFaultLog,
                serverVerifier: InboundRequestVerifier? = nil, logger: Logger) {
        self.routes = routes
        self.settings = settings
        self.sessions = sessions
        self.rateLimiter = rateLimiter
        self.bodyBudget = bodyBudget
        self.faults = faults
        self.connections = connections
        self.serverVerifier = serverVerifier
        self.logger = logger
    }

    static let corsHeaders: [(HTTPField.Name, String)] = [
        (.accessControlAllowOrigin, "*"),
        (.accessControlAllowMethods, "GET, POST, PUT, DELETE, OPTIONS"),
        (.accessControlAllowHeaders, "X-Requested-With, Content-Type, Authorization"),
    ]

    public func respond(to request: Request, context: MatrixRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        var request = request
        var result: MatrixResponse
        let reservation = BodyReservation()
        do {
            result = try await handle(&request, context: context, reservation: reservation)
            await bodyBudget.release(reservation.bytes)
        } catch let error as MatrixError {
            await bodyBudget.release(reservation.bytes)
            result = MatrixResponse(status: .init(code: error.status), json: error.body)
            if case .int(let ms)? = error.extra["retry_after_ms"] {
                // Spec v1.10+: the header as well as the body field, in whole seconds rounded up.
                result.extraHeaders.append(("Retry-After", String((ms + 999) / 1000)))
            }
        } catch {
            await bodyBudget.release(reservation.bytes)
            logger.error("internal error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            result = MatrixResponse(status: .internalServerError,
                                    json: MatrixError("M_UNKNOWN", "Internal server error", status: 500).body)
        }
        if settings.logRequests {
            let elapsed = ContinuousClock.now - started
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            var leftOut = 0
            if (400..<500).contains(result.status.code) {
                let admission = await faults.admitRequestLine(address: context.remoteAddress)
                leftOut = admission.leftOut
                if !admission.admitted { return Self.render(result, method: request.method) }
            }
            // The path only: the query may hold an access token or a registration token.
            let note = leftOut > 0 ? " (\(leftOut) refused requests from this address not logged)" : ""
            logger.info("\(request.method) \(request.uri.path) \(result.status.code) \(Self.format(ms)) ms\(note)")
        }
        return Self.render(result, method: request.method)
    }

    private func handle(_ request: inout Request, context: MatrixRequestContext, reservation: BodyReservation)
        async throws -> MatrixResponse
    {
        if request.method == .options {
            return MatrixResponse(json: .object([:]))
        }
        let (route, call) = try await prepare(&request, context: context, reservation: reservation)
        return try await route.handler(call)
    }

    /// Finds the route, authenticates, rate-limits, checks the declared body size, then reads the body.
    /// Kept out of line so that its locals are gone while the handler runs: a `/sync` long-poll holds this
    /// frame for minutes.
    @inline(never)
    private func prepare(_ request: inout Request, context: MatrixRequestContext, reservation: BodyReservation)
        async throws -> (Route, HTTPCall)
    {
        guard let path = RouteTable.segments(ofRawPath: request.uri.path) else {
            throw MatrixError.unrecognized("Malformed percent-encoding in the path")
        }
        let method = request.method == .head ? HTTPRequest.Method.get : request.method
        let (route, parameters): (Route, [String: String])
        switch routes.lookup(method: method, path: path) {
        case .found(let found, let captured): (route, parameters) = (found, captured)
        case .methodNotAllowed: throw MatrixError.methodNotAllowed()
        case .notFound: throw MatrixError.unrecognized()
        }

        let address = clientAddress(request, context: context)
        let queryItems = Self.queryItems(of: request)
        var query: [String: String] = [:]
        for (key, value) in queryItems where query[key] == nil { query[key] = value }
        // Everything a refusal needs comes from the head: nothing of the body is read for a caller who may
        // not send it, nor for a body larger than the route takes.
        let requester = try await authenticate(request, query: query, auth: route.auth, address: address)
        if route.auth == .server { try precheckServer(request) }
        if let action = route.rateLimit {
            let exempt = await rateLimiter.isExempt(user: requester?.userId, address: address)
            if !exempt { try await rateLimiter.consume(action, key: requester?.userId ?? address ?? "unknown") }
        }
        if requester != nil, let connections { connections.markAuthenticated(ObjectIdentifier(context.channel)) }
        let limit = route.maxBodyBytes
            ?? (requester == nil && route.auth != .server ? settings.limits.unauthenticatedMaxBodyBytes : settings.maxBodyBytes)
        let declared = try declaredLength(request, limit: limit)
        var body = ByteBuffer()
        var bodyStream: StreamedRequestBody? = nil
        if route.streamsBody {
            bodyStream = StreamedRequestBody(body: request.body, limit: limit, declaredLength: declared)
        } else {
            body = try await collectBody(&request, limit: limit, declared: declared, reservation: reservation)
        }
        var origin: String? = nil
        if route.auth == .server {
            origin = try await verifyServer(request, body: body)
            if let connections { connections.markAuthenticated(ObjectIdentifier(context.channel)) }
        }
        let call = HTTPCall(
            method: request.method, path: request.uri.path, parameters: parameters, query: query,
            queryItems: queryItems, headers: request.headers, requester: requester, origin: origin,
            remoteAddress: address, body: body, bodyStream: bodyStream, maxJSONDepth: settings.maxJSONDepth, channel: context.channel)
        return (route, call)
    }

    /// The declared `Content-Length`, refused when larger than the route takes.
    private func declaredLength(_ request: Request, limit: Int) throws(MatrixError) -> Int? {
        guard let text = request.headers[.contentLength] else { return nil }
        guard let declared = Int(text), declared >= 0 else { throw MatrixError.unknown("Invalid Content-Length") }
        if declared > limit { throw MatrixError.tooLarge("The request body is larger than \(limit) bytes") }
        return declared
    }

    /// Reads the whole body, its bytes reserved from the body budget first: the declared length at once,
    /// or chunk by chunk when the client did not declare one.
    private func collectBody(_ request: inout Request, limit: Int, declared: Int?, reservation: BodyReservation)
        async throws -> ByteBuffer
    {
        if let declared {
            if declared == 0 { return ByteBuffer() }
            try await bodyBudget.reserve(declared)
            reservation.bytes += declared
        }
        var collected = ByteBuffer()
        do {
            for try await chunk in request.body {
                guard collected.readableBytes + chunk.readableBytes <= limit else {
                    throw MatrixError.tooLarge("The request body is larger than \(limit) bytes")
                }
                if declared == nil {
                    try await bodyBudget.reserve(chunk.readableBytes)
                    reservation.bytes += chunk.readableBytes
                }
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
        } catch let error as MatrixError {
            throw error
        } catch {
            // The client stopped sending (closed, or cut the body short): its fault, not the server's, and
            // nobody logs a client's disconnection at error level. The connection is closed after this.
            throw MatrixError("M_UNKNOWN", "The request body ended early", status: 400)
        }
        return collected
    }

    /// What can be checked of a federation request before its body is read: an X-Matrix header naming a
    /// valid origin and this server. The signature, which covers the body, is checked after.
    private func precheckServer(_ request: Request) throws(MatrixError) {
        guard let serverVerifier else { throw MatrixError.unrecognized() }
        try serverVerifier.precheck(authorization: request.headers[values: .authorization])
    }

    private func authenticate(_ request: Request, query: [String: String], auth: AuthRequirement, address: String?)
        async throws -> Requester?
    {
        guard auth != .none, auth != .server else { return nil }
        guard let token = Self.accessToken(request, query: query) else {
            if auth == .required { throw MatrixError.missingToken() }
            return nil
        }
        return try await sessions.authenticate(accessToken: token, ip: address)
    }

    /// `Authorization: Bearer …`, or the deprecated `access_token` query parameter.
    static func accessToken(_ request: Request, query: [String: String]) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: " ")
                if !token.isEmpty { return token }
            }
            return nil
        }
        if let token = query["access_token"], !token.isEmpty { return token }
        return nil
    }

    private func clientAddress(_ request: Request, context: MatrixRequestContext) -> String? {
        if settings.trustForwardedFor, let forwarded = request.headers[.init("X-Forwarded-For")!] {
            let first = forwarded.split(separator: ",").first.map { $0.trimmingCharacters(in: " ") }
            if let first, !first.isEmpty { return first }
        }
        return context.remoteAddress
    }

    /// The query's name/value pairs, in order, decoded as forms encode them: `+` is a space (`?search_term=a+b`)
    /// and `%2B` a plus. A pair whose percent-encoding is broken is kept as sent.
    static func queryItems(of request: Request) -> [(String, String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return RouteTable.percentDecode(Substring(spaced)) ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The X-Matrix check of a federation request: signature over method, request target as sent, origin,
    /// destination and the JSON body.
    private func verifyServer(_ request: Request, body: ByteBuffer) async throws -> String {
        guard let serverVerifier else { throw MatrixError.unrecognized() }
        let bytes = body.readableBytesView
        var content: JSONValue? = nil
        if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            do {
                content = try JSONParser.parse(bytes, options: .init(maxDepth: settings.maxJSONDepth))
            } catch {
                throw MatrixError.notJSON("Content not JSON: \(error.description)")
            }
        }
        let uri = request.head.path ?? request.uri.path
        return try await serverVerifier.verify(
            authorization: request.headers[values: .authorization], method: request.method.rawValue, uri: uri,
            content: content)
    }

    static func render(_ result: MatrixResponse, method: HTTPRequest.Method) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = result.contentType
        for (name, value) in corsHeaders { headers[name] = value }
        for (name, value) in result.extraHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        if let streamed = result.streamedBody {
            headers[.contentLength] = String(streamed.length)
            let body = method == .head ? ResponseBody() : ResponseBody(contentLength: streamed.length, streamed.write)
            return Response(status: result.status, headers: headers, body: body)
        }
        let bytes = method == .head ? [] : result.body
        headers[.contentLength] = String(result.body.count)
        return Response(status: result.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func format(_ ms: Double) -> String {
        let tenths = Int((ms * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var text = self
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}

/// The body budget bytes one request holds, given back when its response is ready. A class so that the
/// bytes reserved before a failure are known to the code that releases them; used by one request's task only.
final class BodyReservation: @unchecked Sendable {
    var bytes = 0
}
