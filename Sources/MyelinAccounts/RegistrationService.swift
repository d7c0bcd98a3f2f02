import MatrixCore
import MyelinStorage

/// `POST /register` and its helpers: registration modes, user-interactive auth, username rules.
public struct RegistrationService: Sendable {
    let context: AccountsContext
    let sessions: SessionService

    public init(context: AccountsContext, sessions: SessionService) {
        self.context = context
        self.sessions = sessions
    }

    public enum Kind: String, Sendable {
        case user
        case guest
    }

    public struct Request: Sendable {
        public var kind: Kind
        public var username: String?
        public var password: String?
        public var device: SessionService.DeviceRequest
        public var inhibitLogin: Bool
        public var auth: JSONValue?

        public init(kind: Kind = .user, username: String? = nil, password: String? = nil,
                    device: SessionService.DeviceRequest = .init(), inhibitLogin: Bool = false, auth: JSONValue? = nil) {
            self.kind = kind
            self.username = username
            self.password = password
            self.device = device
            self.inhibitLogin = inhibitLogin
            self.auth = auth
        }
    }

    /// The mode in force now (`auto` resolves against whether an admin exists).
    public func effectiveMode() async throws -> RegistrationMode {
        guard context.settings.registrationMode == .auto else { return context.settings.registrationMode }
        return try await context.users.adminExists() ? .closed : .open
    }

    public func register(_ request: Request, ip: String?) async throws -> SessionGrant {
        if request.kind == .guest {
            return try await registerGuest(request, ip: ip)
        }
        let mode = try await effectiveMode()
        let flows: [[String]]
        switch mode {
        case .closed, .auto: throw MatrixError.forbidden("Registration is disabled on this server")
        case .open: flows = [["m.login.dummy"]]
        case .token: flows = [["m.login.registration_token"]]
        }
        // Refuse a bad or taken name before the client goes through the auth stages.
        let localpart = try request.username.map { try validateNewLocalpart($0) }
        if let localpart, try await context.users.exists(localpart: localpart) { throw MatrixError.userInUse() }
        if let password = request.password { try checkPasswordPolicy(password) }

        let tokens = context.registrationTokens
        let now = context.clock.nowMs()
        let uia = context.uia
        let completion = try await uia.authenticate(
            auth: request.auth, operation: .register(localpart: localpart), flows: flows
        ) { stage, auth, session in
            switch stage {
            case "m.login.dummy":
                return .passed
            case "m.login.registration_token":
                guard case .string(let token)? = auth["token"] else {
                    return .failed(MatrixError.missingParam("auth.token is required"))
                }
                guard (try? await tokens.reserve(token, now: now)) == true else {
                    return .failed(MatrixError("M_UNAUTHORIZED", "Invalid registration token", status: 401))
                }
                await uia.attachRegistrationToken(token, to: session)
                return .passed
            default:
                return .failed(MatrixError("M_UNRECOGNIZED", "Unsupported stage \(stage)", status: 401))
            }
        }
        do {
            guard let password = request.password else {
                throw MatrixError.missingParam("password is required")
            }
            let user = try await createAccount(
                localpart: localpart, password: password, isAdmin: false)
            if let token = completion.reservedRegistrationToken { try await tokens.complete(token) }
            context.logger.info("registered user", metadata: ["user": "\(context.userId(user.localpart))"])
            return try await grant(for: user, request: request, ip: ip)
        } catch {
            if let token = completion.reservedRegistrationToken { try? await tokens.release(token) }
            throw error
        }
    }

    private func registerGuest(_ request: Request, ip: String?) async throws -> SessionGrant {
        guard context.settings.allowGuests else { throw MatrixError.forbidden("Guest access is disabled") }
        let user = try await createAccount(localpart: nil, password: nil, isAdmin: false, isGuest: true)
        // Guests cannot choose a device ID or refresh tokens beyond what users get; the rest is the same.
        return try await grant(for: user, request: request, ip: ip)
    }

    private func grant(for user: UserRecord, request: Request, ip: String?) async throws -> SessionGrant {
        if request.inhibitLogin {
            return SessionGrant(userId: context.userId(user.localpart), deviceId: nil, accessToken: nil,
                                refreshToken: nil, expiresInMs: nil)
        }
        return try await sessions.startSession(for: user, device: request.device, ip: ip)
    }

    /// Creates an account directly (admin CLI, shared-secret registration, and the end of `/register`).
    /// A nil localpart picks the next free numeric one.
    public func createAccount(localpart: String?, password: String?, isAdmin: Bool, isGuest: Bool = false)
        async throws -> UserRecord
    {
        let hash = try await password.asyncMap { try await context.hasher.hash($0) }
        let now = context.clock.nowMs()
        if let localpart {
            guard let user = try await context.users.create(
                localpart: localpart, passwordHash: hash, isAdmin: isAdmin, isGuest: isGuest, now: now)
            else { throw MatrixError.userInUse() }
            return user
        }
        // Numeric localparts are reserved for generated names (validateNewLocalpart refuses them).
        var candidate = try await context.users.userCount() + 1
        while true {
            if let user = try await context.users.create(
                localpart: String(candidate), passwordHash: hash, isAdmin: isAdmin, isGuest: isGuest, now: now)
            {
                return user
            }
            candidate += 1
        }
    }

    /// Applies the username rules: case-folded, today's localpart grammar, not all digits (reserved for
    /// generated names), not starting with '_' (reserved for bridges), and a user ID within 255 bytes.
    public func validateNewLocalpart(_ username: String) throws -> String {
        let localpart = username.lowercased()
        guard !localpart.isEmpty else { throw MatrixError.invalidUsername("The username cannot be empty") }
        guard UserID.isStrictLocalpart(localpart) else {
            throw MatrixError.invalidUsername(
                "User ID can only contain characters a-z, 0-9, or '=_-./+'")
        }
        guard !localpart.hasPrefix("_") else {
            throw MatrixError.invalidUsername("Usernames starting with '_' are reserved")
        }
        guard !localpart.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw MatrixError.invalidUsername("Numeric user IDs are reserved for generated accounts")
        }
        guard context.userId(localpart).utf8.count <= 255 else {
            throw MatrixError.invalidUsername("The user ID would be longer than 255 bytes")
        }
        return localpart
    }

    /// `GET /register/available`.
    public func checkAvailable(_ username: String) async throws {
        guard try await effectiveMode() != .closed else {
            throw MatrixError.forbidden("Registration is disabled on this server")
        }
        let localpart = try validateNewLocalpart(username)
        if try await context.users.exists(localpart: localpart) { throw MatrixError.userInUse() }
    }

    /// `GET /register/m.login.registration_token/validity`.
    public func isRegistrationTokenValid(_ token: String) async throws -> Bool {
        guard try await effectiveMode() == .token else {
            throw MatrixError.forbidden("Registration tokens are not used on this server")
        }
        return try await context.registrationTokens.get(token)?.isValid(now: context.clock.nowMs()) ?? false
    }

    public func checkPasswordPolicy(_ password: String) throws {
        guard password.count >= context.settings.passwordMinLength else {
            throw MatrixError("M_WEAK_PASSWORD",
                              "The password must be at least \(context.settings.passwordMinLength) characters",
                              status: 400)
        }
        guard password.utf8.count <= 512 else {
            throw MatrixError.invalidParam("The password is longer than 512 bytes")
        }
    }
}
