import MatrixCore

/// `GET /voip/turnServer`: the TURN servers and this user's credentials for them (`[voip]`). With none
/// configured the answer is `{}`, as Synapse's: clients then call without a relay.
struct VoIPRoutes {
    let turn: TURNSettings
    let nowMs: @Sendable () -> Int64

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/voip/turnServer") { call in
                MatrixResponse(json: .object(turn.credentials(for: try call.user, nowMs: nowMs()) ?? [:]))
            },
        ]
    }
}
