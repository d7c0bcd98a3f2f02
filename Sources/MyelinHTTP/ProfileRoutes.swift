import MatrixCore
import MyelinProfiles

/// `/profile/{userId}` and its fields (displayname, avatar_url, m.tz and custom keys, spec v1.16).
/// Reading needs no access token (the spec gives the GETs no security, as Synapse by default).
struct ProfileRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let profiles = services.profiles
        let base = "/_matrix/client/v3/profile/{userId}"
        return [
            Route(.get, base, auth: .none) { call in
                MatrixResponse(json: .object(try await profiles.profile(of: call.parameter("userId"))))
            },
            Route(.get, base + "/{keyName}", auth: .none) { call in
                let key = try ProfileKey(parsing: call.parameter("keyName"))
                let value = try await profiles.field(key, of: call.parameter("userId"))
                return MatrixResponse(json: .object([key.name: value]))
            },
            // Changing a displayname or avatar sends a member event into each joined room: rate-limited
            // like sending messages (as Synapse).
            Route(.put, base + "/{keyName}", rateLimit: .profile) { call in
                let key = try ProfileKey(parsing: call.parameter("keyName"))
                guard let value = try call.jsonObject()[key.name] else {
                    throw MatrixError.missingParam("The body must hold '\(key.name)'")
                }
                try await profiles.set(try call.user, userId: call.parameter("userId"), key: key, value: value)
                return .empty
            },
            Route(.delete, base + "/{keyName}", rateLimit: .profile) { call in
                let key = try ProfileKey(parsing: call.parameter("keyName"))
                try await profiles.delete(try call.user, userId: call.parameter("userId"), key: key)
                return .empty
            },
        ]
    }
}
