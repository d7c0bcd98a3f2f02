import MatrixCore
import MyelinAccounts

/// `/login`, `/refresh`, `/logout`, `/login/get_token`.
struct LoginRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/login", auth: .none) { _ in
                MatrixResponse(json: [
                    "flows": [
                        ["type": "m.login.password"],
                        ["type": "m.login.token", "get_login_token": true],
                    ]
                ])
            },
            Route(.post, "/_matrix/client/v3/login", auth: .none, rateLimit: .login, handler: login),
            Route(.post, "/_matrix/client/v3/refresh", auth: .none, rateLimit: .login) { call in
                let body = try call.jsonObject()
                let grant = try await services.sessions.refresh(refreshToken: try body.requiredString("refresh_token"))
                var json: JSONObject = [:]
                json["access_token"] = grant.accessToken.map(JSONValue.string)
                json["refresh_token"] = grant.refreshToken.map(JSONValue.string)
                json["expires_in_ms"] = grant.expiresInMs.map(JSONValue.int)
                return MatrixResponse(json: .object(json))
            },
            Route(.post, "/_matrix/client/v3/logout") { call in
                try await services.sessions.logout(try call.user)
                return .empty
            },
            Route(.post, "/_matrix/client/v3/logout/all") { call in
                try await services.sessions.logoutAll(try call.user)
                return .empty
            },
            // MSC3882's unstable path, for clients older than spec v1.7 (Synapse serves both).
            Route(.post, "/_matrix/client/v1/login/get_token",
                  aliases: ["/_matrix/client/unstable/org.matrix.msc3882/login/token"], rateLimit: .login) { call in
                let user = try call.user
                // Guests have no password to authenticate with (`m.get_login_token` is false for them).
                guard !user.isGuest else { throw MatrixError.guestAccessForbidden() }
                let body = try call.optionalJSONObject()
                let (token, expires) = try await services.account.issueLoginToken(
                    user, auth: try body.objectValue("auth").map(JSONValue.object))
                return MatrixResponse(json: ["login_token": .string(token), "expires_in_ms": .int(expires)])
            },
        ]
    }

    func login(_ call: HTTPCall) async throws -> MatrixResponse {
        let body = try call.jsonObject()
        let type = try body.requiredString("type")
        let credentials: SessionService.Credentials
        switch type {
        case "m.login.password":
            if let identifier = try body.objectValue("identifier") {
                guard case .string(let idType)? = identifier["type"] else {
                    throw MatrixError.badJSON("identifier.type must be a string")
                }
                guard idType == "m.id.user" else {
                    throw MatrixError.unknown("Login with identifier type \(idType) is not supported")
                }
                guard case .string = identifier["user"] else {
                    throw MatrixError.badJSON("identifier.user must be a string")
                }
            }
            guard let user = LoginIdentifier.user(in: body.object) else {
                throw MatrixError.missingParam("A user identifier is required")
            }
            credentials = .password(user: user, password: try body.requiredString("password"))
        case "m.login.token":
            credentials = .loginToken(try body.requiredString("token"))
        default:
            throw MatrixError.unknown("Unknown login type \(type)")
        }
        let device = SessionService.DeviceRequest(
            deviceId: try Self.validDeviceId(body.string("device_id")),
            initialDisplayName: try body.string("initial_device_display_name"),
            wantsRefreshToken: try body.bool("refresh_token") ?? false)
        // Failed password checks are limited per account as well as per address (a slow guess at one
        // account from many addresses).
        let limiter = services.rateLimiter
        var failureKey: String? = nil
        if case .password(let user, _) = credentials, !(await limiter.isExempt(user: nil, address: call.remoteAddress)) {
            failureKey = user.lowercased()
            try await limiter.check(.failedLogin, key: user.lowercased())
        }
        let grant: SessionGrant
        do {
            grant = try await services.sessions.login(credentials, device: device, ip: call.remoteAddress)
        } catch let error as MatrixError where error.errcode == "M_FORBIDDEN" {
            if let failureKey { try? await limiter.consume(.failedLogin, key: failureKey) }
            throw error
        }
        return MatrixResponse(json: Self.grantJSON(grant, serverName: services.settings.serverName,
                                                   wellKnownBaseURL: services.settings.wellKnownClientBaseURL))
    }

    /// A client-chosen device ID: printable, bounded.
    static func validDeviceId(_ deviceId: String?) throws(MatrixError) -> String? {
        guard let deviceId else { return nil }
        guard !deviceId.isEmpty, deviceId.utf8.count <= 255, deviceId.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw MatrixError.invalidParam("device_id must be 1 to 255 printable ASCII characters") }
        return deviceId
    }

    static func grantJSON(_ grant: SessionGrant, serverName: String, wellKnownBaseURL: String? = nil) -> JSONValue {
        var json: JSONObject = ["user_id": .string(grant.userId), "home_server": .string(serverName)]
        json["device_id"] = grant.deviceId.map(JSONValue.string)
        json["access_token"] = grant.accessToken.map(JSONValue.string)
        json["refresh_token"] = grant.refreshToken.map(JSONValue.string)
        json["expires_in_ms"] = grant.expiresInMs.map(JSONValue.int)
        if let base = wellKnownBaseURL { json["well_known"] = ["m.homeserver": ["base_url": .string(base)]] }
        return .object(json)
    }
}
