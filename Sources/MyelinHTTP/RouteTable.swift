import HTTPTypes
import Hummingbird
import MatrixCore

/// Whether a route needs an access token.
public enum AuthRequirement: Sendable {
    case none
    case optional
    case required
    /// A federation request: signed by another server with X-Matrix (`HTTPCall.origin`).
    case server
}

public typealias RouteHandler = @Sendable (HTTPCall) async throws -> MatrixResponse

/// One endpoint: method, path pattern (`{name}` segments capture one percent-decoded segment), and
/// what the pipeline must do before the handler runs.
public struct Route: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    public let method: HTTPRequest.Method
    public let pattern: String
    let segments: [Segment]
    /// Other patterns the same endpoint answers under, with the same parameter names: the unstable MSC
    /// prefixes Synapse still serves and clients still call (`/unstable/org.matrix.msc2432/...`). Whole
    /// prefix families (r0, unstable, the media versions) are mapped by `PrefixEquivalents` instead.
    public let aliases: [String]
    public let auth: AuthRequirement
    /// Rate limit taken before the handler runs (per user when authenticated, else per address).
    public let rateLimit: RateLimitedAction?
    /// This route's own body limit (uploads, federation transactions); nil: the global
    /// `HTTPSettings.maxBodyBytes`, or `RequestLimits.unauthenticatedMaxBodyBytes` for a caller without a token.
    public let maxBodyBytes: Int?
    /// The handler reads the body itself, as it arrives (`HTTPCall.bodyStream`: media uploads, which go to
    /// a file); the pipeline then buffers none of it.
    public let streamsBody: Bool
    public let handler: RouteHandler

    public init(_ method: HTTPRequest.Method, _ pattern: String, aliases: [String] = [], auth: AuthRequirement = .required,
                rateLimit: RateLimitedAction? = nil, maxBodyBytes: Int? = nil, streamsBody: Bool = false,
                handler: @escaping RouteHandler) {
        self.method = method
        self.pattern = pattern
        self.segments = Self.segments(of: pattern)
        self.aliases = aliases
        self.auth = auth
        self.rateLimit = rateLimit
        self.maxBodyBytes = maxBodyBytes
        self.streamsBody = streamsBody
        self.handler = handler
    }

    static func segments(of pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            part.hasPrefix("{") && part.hasSuffix("}")
                ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    /// The captured parameters when `path` (split and percent-decoded) fits `segments`.
    static func match(_ segments: [Segment], _ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var captured: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let literal): guard literal == part else { return nil }
            case .parameter(let name): captured[name] = part
            }
        }
        return captured
    }
}

/// All routes, indexed by their first literal segments so a lookup scans only a handful.
public struct RouteTable: Sendable {
    /// A route under one of its patterns (its own or an alias).
    private struct Entry: Sendable {
        let segments: [Route.Segment]
        let route: Route
    }

    private var byPrefix: [String: [Entry]] = [:]

    public init() {}

    public mutating func add(_ route: Route) {
        for segments in [route.segments] + route.aliases.map(Route.segments(of:)) {
            byPrefix[Self.prefixKey(segments.prefix(3).map { segment in
                if case .literal(let text) = segment { return text }
                return "{}"
            }), default: []].append(Entry(segments: segments, route: route))
        }
    }

    public mutating func add(_ routes: [Route]) {
        for route in routes { add(route) }
    }

    public enum Lookup {
        case found(Route, [String: String])
        case methodNotAllowed
        case notFound
    }

    /// The path as sent, then the same path under the prefixes that name the same endpoints
    /// (`PrefixEquivalents`: r0 and unstable for v3, the media versions for each other).
    public func lookup(method: HTTPRequest.Method, path: [String]) -> Lookup {
        var pathMatched = false
        for candidate in [path] + PrefixEquivalents.alternatives(of: path) {
            switch lookupExact(method: method, path: candidate) {
            case .found(let route, let parameters): return .found(route, parameters)
            case .methodNotAllowed: pathMatched = true
            case .notFound: continue
            }
        }
        return pathMatched ? .methodNotAllowed : .notFound
    }

    private func lookupExact(method: HTTPRequest.Method, path: [String]) -> Lookup {
        var pathMatched = false
        // A route's three-segment prefix may hold parameters; try the literal key and the wildcard ones.
        for key in Self.candidateKeys(path) {
            for entry in byPrefix[key] ?? [] {
                guard let parameters = Route.match(entry.segments, path) else { continue }
                if entry.route.method == method { return .found(entry.route, parameters) }
                pathMatched = true
            }
        }
        return pathMatched ? .methodNotAllowed : .notFound
    }

    private static func prefixKey(_ parts: [String]) -> String { parts.joined(separator: "/") }

    private static func candidateKeys(_ path: [String]) -> [String] {
        let head = Array(path.prefix(3))
        var keys: [[String]] = [[]]
        for part in head {
            keys = keys.flatMap { [$0 + [part], $0 + ["{}"]] }
        }
        return keys.map(prefixKey)
    }

    /// Splits a raw request path into percent-decoded segments; nil for invalid percent-encoding.
    static func segments(ofRawPath raw: String) -> [String]? {
        var result: [String] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = percentDecode(part) else { return nil }
            result.append(decoded)
        }
        return result
    }

    static func percentDecode(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
