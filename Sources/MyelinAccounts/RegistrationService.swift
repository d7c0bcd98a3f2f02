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

    /// One `/register` call. Optional fields are nil when the call does not give them: a later call of a
    /// session then keeps what an earlier one said (`RegistrationDraft`).
    public struct Request: Sendable {
        public var kind: Kind
        public var username: String?
        public var password: String?
        public var deviceId: String?
        public var initialDeviceDisplayName: String?
        public var wantsRefreshToken: Bool?
        public var inhibitLogin: Bool?
        /// A guest's access token: the call upgrades that guest account (spec, "Guest access").
        public var guestAccessToken: String?
        public var auth: JSONValue?

        public init(kind: Kind = .user, username: String? = nil, password: String? = nil, deviceId: String? = nil,
                    initialDeviceDisplayName: String? = nil, wantsRefreshToken: Bool? = nil,
                    inhibitLogin: Bool? = nil, guestAccessToken: String? = nil, auth: JSONValue? = nil) {
            self.kind = kind
            self.username = username
            self.password = password
            self.deviceId = deviceId
            self.initialDeviceDisplayName = initialDeviceDisplayName
            self.wantsRefreshToken = wantsRefreshToken
            self.inhibitLogin = inhibitLogin
            self.guestAccessToken = guestAccessToken
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
        let flows: [[String]]
        switch try await effectiveMode() {
        case .closed, .auto: throw MatrixError.forbidden("Registration is disabled on this server")
        case .open: flows = [["m.login.dummy"]]
        case .token: flows = [["m.login.registration_token"]]
        }
        let uia = context.uia
        var remembered: RegistrationDraft?
        if let sessionId = try UserInteractiveAuth.sessionId(in: request.auth) {
            switch await uia.registrationProgress(sessionId) {
            case .registered(let grant):
                // A repeat of a registration that went through (its answer may have been lost on the way)
                // gets the same answer, unless it names another account.
                if let username = request.username, context.userId(username.lowercased()) != grant.userId {
                    throw UserInteractiveAuth.operationChanged
                }
                return grant
            case .collecting(let draft):
                remembered = draft
            case .completing, nil:
                break  // authenticate() answers these
            }
        }
        let draft = try await draft(for: request, over: remembered)

        let tokens = context.registrationTokens
        let now = context.clock.nowMs()
        let completion = try await uia.authenticate(
            auth: request.auth, operation: draft.operation, flows: flows, remembering: draft
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
        let grant: SessionGrant
        do {
            guard let password = draft.password else { throw MatrixError.missingParam("password is required") }
            let user: UserRecord
            if let guest = draft.guest {
                user = try await upgrade(guest, passwordHash: password.hash)
            } else {
                user = try await createAccount(localpart: draft.localpart, passwordHash: password.hash, isAdmin: false)
            }
            grant = try await self.grant(for: user, device: draft.device, inhibitLogin: draft.inhibitLogin ?? false,
                                         ip: ip)
        } catch {
            // The stages stay done and the token reserved: the client may fix the request and finish.
            await uia.reopen(completion.sessionId)
            throw error
        }
        await uia.recordRegistration(grant, in: completion.sessionId)
        if let token = completion.reservedRegistrationToken { try await tokens.complete(token) }
        context.logger.info("registered user", metadata: [
            "user": "\(grant.userId)", "upgraded_guest": "\(draft.guest != nil)",
        ])
        return grant
    }

    private func registerGuest(_ request: Request, ip: String?) async throws -> SessionGrant {
        guard context.settings.allowGuests else { throw MatrixError.forbidden("Guest access is disabled") }
        let user = try await createAccount(localpart: nil, password: nil, isAdmin: false, isGuest: true)
        // Guests cannot choose a device ID or refresh tokens beyond what users get; the rest is the same.
        let device = SessionService.DeviceRequest(
            deviceId: request.deviceId, initialDisplayName: request.initialDeviceDisplayName,
            wantsRefreshToken: request.wantsRefreshToken ?? false)
        return try await grant(for: user, device: device, inhibitLogin: request.inhibitLogin ?? false, ip: ip)
    }

    private func grant(for user: UserRecord, device: SessionService.DeviceRequest, inhibitLogin: Bool, ip: String?)
        async throws -> SessionGrant
    {
        if inhibitLogin {
            return SessionGrant(userId: context.userId(user.localpart), deviceId: nil, accessToken: nil,
                                refreshToken: nil, expiresInMs: nil)
        }
        return try await sessions.startSession(for: user, device: device, ip: ip)
    }

    /// Creates an account directly (admin CLI, shared-secret registration, and the end of `/register`).
    /// A nil localpart picks the next free numeric one.
    public func createAccount(localpart: String?, password: String?, isAdmin: Bool, isGuest: Bool = false)
        async throws -> UserRecord
    {
        let hash = try await password.asyncMap { try await context.hasher.hash($0) }
        return try await createAccount(localpart: localpart, passwordHash: hash, isAdmin: isAdmin, isGuest: isGuest)
    }

    /// The same with the password already hashed.
    func createAccount(localpart: String?, passwordHash hash: String?, isAdmin: Bool, isGuest: Bool = false)
        async throws -> UserRecord
    {
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
