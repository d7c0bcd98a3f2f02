import MatrixCore
import MyelinAccounts
import MyelinStorage

/// The Synapse-compatible admin endpoints that scripts rely on: shared-secret registration and
/// registration tokens.
struct AdminRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_synapse/admin/v1/register", auth: .none, rateLimit: .registration) { _ in
                MatrixResponse(json: ["nonce": .string(try await services.sharedSecret.newNonce())])
            },
            Route(.post, "/_synapse/admin/v1/register", auth: .none, rateLimit: .registration, handler: sharedSecret),
            Route(.get, "/_synapse/admin/v1/registration_tokens") { call in
                try requireAdmin(call)
                let valid: Bool?
                switch call.query["valid"] {
                case nil: valid = nil
                case "true": valid = true
                case "false": valid = false
                default: throw MatrixError.invalidParam("valid must be true or false")
                }
                let tokens = try await services.registrationTokens.list(valid: valid)
                return MatrixResponse(json: ["registration_tokens": .array(tokens.map(Self.json))])
            },
            Route(.post, "/_synapse/admin/v1/registration_tokens/new") { call in
                try requireAdmin(call)
                let body = try call.optionalJSONObject()
                let length = try body.int("length")
                let record = try await services.registrationTokens.create(.init(
                    token: try body.string("token"), length: length.map { Int(clamping: $0) },
                    usesAllowed: try body.int("uses_allowed"), expiryTime: try body.int("expiry_time")))
                return MatrixResponse(json: Self.json(record))
            },
            Route(.get, "/_synapse/admin/v1/registration_tokens/{token}") { call in
                try requireAdmin(call)
                return MatrixResponse(json: Self.json(try await services.registrationTokens.get(call.parameter("token"))))
            },
            Route(.put, "/_synapse/admin/v1/registration_tokens/{token}") { call in
                try requireAdmin(call)
                let body = try call.optionalJSONObject()
                let record = try await services.registrationTokens.update(
                    call.parameter("token"), usesAllowed: try body.nullableInt("uses_allowed"),
                    expiryTime: try body.nullableInt("expiry_time"))
                return MatrixResponse(json: Self.json(record))
            },
            Route(.delete, "/_synapse/admin/v1/registration_tokens/{token}") { call in
                try requireAdmin(call)
                try await services.registrationTokens.delete(call.parameter("token"))
                return .empty
            },
        ]
    }

    func requireAdmin(_ call: HTTPCall) throws {
        guard try call.user.isAdmin else { throw MatrixError.forbidden("You are not a server admin") }
    }

    func sharedSecret(_ call: HTTPCall) async throws -> MatrixResponse {
        let body = try call.jsonObject()
        let request = SharedSecretRegistration.Request(
            nonce: try body.requiredString("nonce"), username: try body.requiredString("username"),
            password: try body.requiredString("password"), admin: try body.bool("admin") ?? false,
            userType: try body.string("user_type"), mac: try body.requiredString("mac"))
        try await services.sharedSecret.verify(request)
        let localpart = try services.registration.validateNewLocalpart(request.username)
        try services.registration.checkPasswordPolicy(request.password)
        let user = try await services.registration.createAccount(
            localpart: localpart, password: request.password, isAdmin: request.admin)
        let grant = try await services.sessions.startSession(
            for: user, device: .init(initialDisplayName: try body.string("displayname")), ip: call.remoteAddress)
        return MatrixResponse(json: LoginRoutes.grantJSON(grant, serverName: services.settings.serverName))
    }

    static func json(_ record: RegistrationTokenRecord) -> JSONValue {
        [
            "token": .string(record.token),
            "uses_allowed": record.usesAllowed.map(JSONValue.int) ?? .null,
            "pending": .int(record.pending),
            "completed": .int(record.completed),
            "expiry_time": record.expiryTime.map(JSONValue.int) ?? .null,
        ]
    }
}
