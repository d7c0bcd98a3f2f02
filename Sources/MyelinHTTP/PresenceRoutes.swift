import MatrixCore
import MyelinEphemeral

/// `GET/PUT /presence/{userId}/status`.
struct PresenceRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let presence = services.ephemeral.presence
        return [
            Route(.get, "/_matrix/client/v3/presence/{userId}/status") { call in
                MatrixResponse(json: .object(try await presence.presence(try call.user, of: call.parameter("userId"))))
            },
            Route(.put, "/_matrix/client/v3/presence/{userId}/status") { call in
                let user = try call.user
                let body = try call.jsonObject()
                let name = try body.requiredString("presence")
                guard let state = PresenceState(rawValue: name) else {
                    throw MatrixError.invalidParam("presence must be online, unavailable or offline")
                }
                let statusMsg = try body.string("status_msg")
                // Synapse refuses any other field.
                if let extra = body.object.keys.first(where: { $0 != "presence" && $0 != "status_msg" }) {
                    throw MatrixError.badJSON("Unexpected field '\(extra)'")
                }
                try await presence.setPresence(user, userId: call.parameter("userId"), state: state,
                                               statusMsg: statusMsg)
                return .empty
            },
        ]
    }
}
