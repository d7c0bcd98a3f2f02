import MatrixCore
import MyelinAccounts

/// `/register` and its helpers.
struct RegistrationRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/v3/register", auth: .none, rateLimit: .registration, handler: register),
            Route(.get, "/_matrix/client/v3/register/available", auth: .none, rateLimit: .registration) { call in
                guard let username = call.query["username"], !username.isEmpty else {
                    throw MatrixError.missingParam("The 'username' query parameter is required")
                }
                try await services.registration.checkAvailable(username)
                return MatrixResponse(json: ["available": true])
            },
            Route(.get, "/_matrix/client/v1/register/m.login.registration_token/validity", auth: .none,
                  rateLimit: .registration) { call in
                guard let token = call.query["token"], !token.isEmpty else {
                    throw MatrixError.missingParam("The 'token' query parameter is required")
                }
                let valid = try await services.registration.isRegistrationTokenValid(token)
                return MatrixResponse(json: ["valid": .bool(valid)])
            },
        ]
    }

    func register(_ call: HTTPCall) async throws -> MatrixResponse {
        let body = try call.optionalJSONObject()
        let kindText = call.query["kind"] ?? "user"
        guard let kind = RegistrationService.Kind(rawValue: kindText) else {
            throw MatrixError.invalidParam("kind must be 'user' or 'guest'")
        }
        let request = RegistrationService.Request(
            kind: kind,
            username: try body.string("username"),
            password: try body.string("password"),
            deviceId: try LoginRoutes.validDeviceId(body.string("device_id")),
            initialDeviceDisplayName: try body.string("initial_device_display_name"),
            wantsRefreshToken: try body.bool("refresh_token"),
            inhibitLogin: try body.bool("inhibit_login"),
            guestAccessToken: try body.string("guest_access_token"),
            auth: try body.objectValue("auth").map(JSONValue.object))
        let grant = try await services.registration.register(request, ip: call.remoteAddress)
        return MatrixResponse(json: LoginRoutes.grantJSON(grant, serverName: services.settings.serverName))
    }
}
