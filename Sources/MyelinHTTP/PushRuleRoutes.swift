import MatrixCore

/// The push rules API's reading side: the rules the server evaluates for the caller, which are the spec's
/// server defaults until users can change them (`GET /pushrules/`, `/pushrules/global/`, and one rule with
/// its `enabled` flag and `actions`). Element Web fetches these before its first sync.
struct PushRuleRoutes {
    var routes: [Route] {
        let rule = "/_matrix/client/v3/pushrules/global/{kind}/{ruleId}"
        return [
            Route(.get, "/_matrix/client/v3/pushrules/") { call in
                let rules = PushRuleSet.serverDefault(for: try call.user.userId)
                return MatrixResponse(json: ["global": .object(rules.json)])
            },
            Route(.get, "/_matrix/client/v3/pushrules/global/") { call in
                MatrixResponse(json: .object(PushRuleSet.serverDefault(for: try call.user.userId).json))
            },
            Route(.get, rule) { call in
                MatrixResponse(json: .object(try Self.rule(call).json))
            },
            Route(.get, rule + "/enabled") { call in
                MatrixResponse(json: ["enabled": .bool(try Self.rule(call).enabled)])
            },
            Route(.get, rule + "/actions") { call in
                MatrixResponse(json: ["actions": .array(try Self.rule(call).actions.map(\.json))])
            },
        ]
    }

    /// The caller's rule named by the path: 400 `M_INVALID_PARAM` for a kind the spec does not define,
    /// 404 `M_NOT_FOUND` for a rule that does not exist.
    static func rule(_ call: HTTPCall) throws -> PushRule {
        let userId = try call.user.userId
        guard let kind = PushRuleKind(rawValue: call.parameter("kind")) else {
            throw MatrixError.invalidParam("Unknown push rule kind \(call.parameter("kind"))")
        }
        guard let rule = PushRuleSet.serverDefault(for: userId).rule(kind, call.parameter("ruleId")) else {
            throw MatrixError.notFound("Unknown push rule")
        }
        return rule
    }
}
