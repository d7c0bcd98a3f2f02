import MatrixCore
import MyelinAccounts

/// OpenID: a user asks for a token (`POST /user/{userId}/openid/request_token`) and hands it to a third
/// party, which exchanges it for the user ID at `GET /_matrix/federation/v1/openid/userinfo` (the token in
/// the query, no request signing). Widgets, integration managers and Element Call rely on it.
struct OpenIDRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let tokens = services.openID
        let serverName = services.settings.serverName
        return [
            Route(.post, "/_matrix/client/v3/user/{userId}/openid/request_token") { call in
                let user = try call.user
                guard !user.isGuest else { throw MatrixError.guestAccessForbidden() }
                guard call.parameter("userId") == user.userId else {
                    throw MatrixError.forbidden("You may only request OpenID tokens for yourself")
                }
                _ = try call.optionalJSONObject()
                let (token, expiresIn) = await tokens.issue(for: user.userId)
                return MatrixResponse(json: [
                    "access_token": .string(token), "token_type": "Bearer",
                    "matrix_server_name": .string(serverName), "expires_in": .int(expiresIn),
                ])
            },
            Route(.get, "/_matrix/federation/v1/openid/userinfo", auth: .none) { call in
                guard let token = call.query["access_token"], let userId = await tokens.user(for: token) else {
                    throw MatrixError("M_UNKNOWN_TOKEN", "OpenID token unknown or expired", status: 401)
                }
                return MatrixResponse(json: ["sub": .string(userId)])
            },
        ]
    }
}
