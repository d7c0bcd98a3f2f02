import MatrixCore

/// The push rules API's reading side (`GET /pushrules/` and `GET /pushrules/global/`): the rules the
/// server evaluates for the caller, which are the spec's server defaults until users can change them.
/// Element Web fetches these before its first sync.
struct PushRuleRoutes {
    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/pushrules/") { call in
                let rules = PushRuleSet.serverDefault(for: try call.user.userId)
                return MatrixResponse(json: ["global": .object(rules.json)])
            },
            Route(.get, "/_matrix/client/v3/pushrules/global/") { call in
                MatrixResponse(json: .object(PushRuleSet.serverDefault(for: try call.user.userId).json))
            },
        ]
    }
}
