import MatrixCore

/// The third-party networks lookups (`/thirdparty/*`). Protocols come from application services
/// (bridges), and Myelin registers none: there are no protocols, a named protocol is unknown (404
/// `M_NOT_FOUND`), and a reverse lookup by alias or user ID finds nothing (an empty list, as Synapse
/// answers without bridges). Element Web asks for the protocols when it starts.
struct ThirdPartyLookupRoutes {
    var routes: [Route] {
        let base = "/_matrix/client/v3/thirdparty"
        return [
            Route(.get, base + "/protocols") { call in
                _ = try call.user
                return MatrixResponse(json: .object([:]))
            },
            Route(.get, base + "/protocol/{protocol}") { call in
                throw Self.unknownProtocol(call)
            },
            Route(.get, base + "/location/{protocol}") { call in
                throw Self.unknownProtocol(call)
            },
            Route(.get, base + "/user/{protocol}") { call in
                throw Self.unknownProtocol(call)
            },
            Route(.get, base + "/location") { call in
                _ = try call.user
                return MatrixResponse(json: .array([]))
            },
            Route(.get, base + "/user") { call in
                _ = try call.user
                return MatrixResponse(json: .array([]))
            },
        ]
    }

    static func unknownProtocol(_ call: HTTPCall) -> MatrixError {
        MatrixError.notFound("Unknown protocol \(call.parameter("protocol")): no bridges are registered on this server")
    }
}
