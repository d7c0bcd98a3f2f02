import MatrixCore
import MyelinAccounts

/// `/account/whoami`, `/account/password`, `/account/deactivate`.
struct AccountRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/account/whoami") { call in
                let user = try call.user
                return MatrixResponse(json: [
                    "user_id": .string(user.userId), "device_id": .string(user.deviceId), "is_guest": .bool(user.isGuest),
                ])
            },
            Route(.post, "/_matrix/client/v3/account/password", rateLimit: .login) { call in
                let user = try call.user
                guard !user.isGuest else { throw MatrixError.guestAccessForbidden() }
                let body = try call.jsonObject()
                try await services.account.changePassword(
                    user, newPassword: try body.requiredString("new_password"),
                    logoutDevices: try body.bool("logout_devices") ?? true,
                    auth: try body.objectValue("auth").map(JSONValue.object))
                return .empty
            },
            Route(.post, "/_matrix/client/v3/account/deactivate", rateLimit: .login) { call in
                let user = try call.user
                guard !user.isGuest else { throw MatrixError.guestAccessForbidden() }
                let body = try call.optionalJSONObject()
                let erase = try body.bool("erase") ?? false
                _ = try body.string("id_server")
                try await services.account.deactivate(user, auth: try body.objectValue("auth").map(JSONValue.object),
                                                      erase: erase)
                // No identity-server bindings are made by this server, so there is nothing to unbind.
                return MatrixResponse(json: ["id_server_unbind_result": "no-support"])
            },
        ]
    }
}
