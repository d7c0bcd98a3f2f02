import MatrixCore
import MyelinFederation

/// The server-server key exchange (`/_matrix/key/v2/...`) and `GET /_matrix/federation/v1/version`:
/// public and unsigned, so any server can fetch our keys before it trusts us.
struct ServerKeyRoutes {
    let federation: ServerKeyServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/key/v2/server", auth: .none) { _ in
                MatrixResponse(json: .object(try federation.localKeys.document()))
            },
            // The key ID path segment left the spec in v1.6 (it was always ignored); older servers send it.
            Route(.get, "/_matrix/key/v2/server/{keyId}", auth: .none) { _ in
                MatrixResponse(json: .object(try federation.localKeys.document()))
            },
            Route(.get, "/_matrix/key/v2/query/{serverName}", auth: .none) { call in
                var minimum: Int64? = nil
                if let text = call.query["minimum_valid_until_ts"] {
                    guard let value = Int64(text) else {
                        throw MatrixError.invalidParam("minimum_valid_until_ts must be an integer, not \"\(text)\"")
                    }
                    minimum = value
                }
                let query = try KeyQuery(serverName: call.parameter("serverName"), minimumValidUntilTs: minimum)
                return MatrixResponse(json: .object(try await federation.notary.answer(query)))
            },
            Route(.post, "/_matrix/key/v2/query", auth: .none) { call in
                let query = try KeyQuery(body: try call.jsonObject().object)
                return MatrixResponse(json: .object(try await federation.notary.answer(query)))
            },
            Route(.get, "/_matrix/federation/v1/version", auth: .none) { _ in
                MatrixResponse(json: [
                    "server": [
                        "name": .string(federation.softwareName), "version": .string(federation.softwareVersion),
                    ],
                ])
            },
        ]
    }
}
