import MatrixCore
import MyelinStorage

/// Logins, token refresh, logout and access-token authentication.
public struct SessionService: Sendable {
    let context: AccountsContext
    let lastSeen: LastSeenThrottle

    public init(context: AccountsContext) {
        self.context = context
        self.lastSeen = LastSeenThrottle()
    }

    /// How a client proves who it is at `/login`.
    public enum Credentials: Sendable {
        /// `m.login.password` with an `m.id.user` identifier (a localpart or a full user ID).
        case password(user: String, password: String)
        /// `m.login.token`.
        case loginToken(String)
    }

    public struct DeviceRequest: Sendable {
        public var deviceId: String?
        public var initialDisplayName: String?
        public var wantsRefreshToken: Bool

        public init(deviceId: String? = nil, initialDisplayName: String? = nil, wantsRefreshToken: Bool = false) {
            self.deviceId = deviceId
            self.initialDisplayName = initialDisplayName
            self.wantsRefreshToken = wantsRefreshToken
        }
    }

    public func login(_ credentials: Credentials, device: DeviceRequest, ip: String?) async throws -> SessionGrant {
        let user: UserRecord
        switch credentials {
        case .password(let identifier, let password):
            user = try await checkPassword(identifier: identifier, password: password)
        case .loginToken(let token):
            guard let nid = try await context.devices.consumeLoginToken(hash: SecretToken.hash(of: token),
                                                                        now: context.clock.nowMs()),
                let found = try await context.users.user(nid: nid)
            else { throw MatrixError.forbidden("Invalid or expired login token") }
            guard !found.deactivated else { throw MatrixError.userDeactivated() }
            user = found
        }
        return try await startSession(for: user, device: device, ip: ip)
    }

    /// Verifies a password for `identifier`; the same refusal for an unknown user and a wrong password.
    public func checkPassword(identifier: String, password: String) async throws -> UserRecord {
        let localpart = try localpart(fromIdentifier: identifier)
        guard let user = try await context.users.user(localpart: localpart) else {
            // Spend the same time as a real check, so response timing does not reveal which users exist.
            _ = try await context.hasher.verify(password, against: Self.decoyHash)
            throw MatrixError.forbidden("Invalid username or password")
        }
        guard !user.deactivated else { throw MatrixError.userDeactivated() }
        guard let stored = user.passwordHash else { throw MatrixError.forbidden("Invalid username or password") }
        let (ok, needsRehash) = try await context.hasher.verify(password, against: stored)
        guard ok else { throw MatrixError.forbidden("Invalid username or password") }
        if needsRehash {
            let upgraded = try await context.hasher.hash(password)
            try await context.users.setPasswordHash(userNid: user.nid, hash: upgraded)
        }
        return user
    }

    /// A valid argon2id hash of a random password, verified against when the user does not exist.
    private static let decoyHash =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0e1yb0GB7vCb0XlXZ0qQW1TQn3HqfN1mgDVd64uR8/0"

    /// Accepts `alice` or `@alice:our.server` (case-folded, as Synapse does).
    func localpart(fromIdentifier identifier: String) throws -> String {
        if identifier.hasPrefix("@") {
            guard let parsed = try? UserID(parsing: identifier) else {
                throw MatrixError.invalidParam("\"\(identifier)\" is not a valid user ID")
            }
            guard parsed.serverName == context.settings.serverName else {
                throw MatrixError.forbidden("Invalid username or password")
            }
            return parsed.localpart.lowercased()
        }
        return identifier.lowercased()
    }

    /// Creates the device (or reuses the named one) and mints its tokens.
    public func startSession(for user: UserRecord, device: DeviceRequest, ip: String?) async throws -> SessionGrant {
        let deviceId = device.deviceId ?? SecretToken.newDeviceId()
        let now = context.clock.nowMs()
        let access = SecretToken.mint(.access)
        let refresh = device.wantsRefreshToken ? SecretToken.mint(.refresh) : nil
        let lifetime = context.settings.refreshableAccessTokenLifetimeMs
        let expires = refresh != nil ? now + lifetime : nil
        try await context.devices.startSession(
            userNid: user.nid, deviceId: deviceId, displayName: device.initialDisplayName,
            tokens: NewSessionTokens(accessHash: access.hash, accessExpiresTs: expires, refreshHash: refresh?.hash),
            ip: ip, now: now)
        return SessionGrant(userId: context.userId(user.localpart), deviceId: deviceId, accessToken: access.value,
                            refreshToken: refresh?.value, expiresInMs: refresh != nil ? lifetime : nil)
    }

    public func refresh(refreshToken: String) async throws -> SessionGrant {
        let now = context.clock.nowMs()
        let access = SecretToken.mint(.access)
        let refresh = SecretToken.mint(.refresh)
        let lifetime = context.settings.refreshableAccessTokenLifetimeMs
        let outcome = try await context.devices.refresh(
            oldRefreshHash: SecretToken.hash(of: refreshToken),
            tokens: NewSessionTokens(accessHash: access.hash, accessExpiresTs: now + lifetime, refreshHash: refresh.hash),
            now: now)
        switch outcome {
        case .unknownToken:
            throw MatrixError.unknownToken("Unknown refresh token")
        case .refreshed(let userNid, let deviceId):
            let localpart = try await context.users.user(nid: userNid)?.localpart ?? ""
            return SessionGrant(userId: context.userId(localpart), deviceId: deviceId, accessToken: access.value,
                                refreshToken: refresh.value, expiresInMs: lifetime)
        }
    }

    /// Resolves an access token to its user and device, or throws the spec's 401.
    public func authenticate(accessToken: String, ip: String?) async throws -> Requester {
        guard let owner = try await context.devices.owner(ofAccessTokenHash: SecretToken.hash(of: accessToken)) else {
            throw MatrixError.unknownToken()
        }
        let now = context.clock.nowMs()
        if let expires = owner.expiresTs, expires <= now {
            // The session lives on; the client refreshes or logs in again with the same device.
            throw MatrixError.unknownToken("Access token has expired", softLogout: true)
        }
        if owner.refreshPredecessorPending, let refreshId = owner.refreshId {
            try await context.devices.retirePredecessor(ofRefreshId: refreshId)
        }
        if await lastSeen.shouldRecord(userNid: owner.userNid, deviceId: owner.deviceId, now: now) {
            try await context.devices.touch(userNid: owner.userNid, deviceId: owner.deviceId, ip: ip, now: now)
        }
        return Requester(
            userNid: owner.userNid, localpart: owner.localpart, userId: context.userId(owner.localpart),
            deviceId: owner.deviceId, tokenId: owner.tokenId, isAdmin: owner.isAdmin, isGuest: owner.isGuest)
    }

    public func logout(_ requester: Requester) async throws {
        try await context.devices.logout(tokenId: requester.tokenId, userId: requester.userId)
        await context.deviceListChanges.publish(requester.userId)
    }

    public func logoutAll(_ requester: Requester) async throws {
        try await context.devices.deleteAll(userNid: requester.userNid, userId: requester.userId)
        await context.deviceListChanges.publish(requester.userId)
    }

    /// Mints a single-use `m.login.token` for the caller (after UIA, which the caller ran).
    public func issueLoginToken(for requester: Requester) async throws -> (token: String, expiresInMs: Int64) {
        let token = SecretToken.mint(.login)
        let lifetime = context.settings.loginTokenLifetimeMs
        try await context.devices.addLoginToken(hash: token.hash, userNid: requester.userNid,
                                                expiresTs: context.clock.nowMs() + lifetime)
        return (token.value, lifetime)
    }

    /// The `m.login.password` UIA stage for an already-authenticated user: the identifier, when given,
    /// must name that same user.
    public func passwordStage(for requester: Requester) -> @Sendable (String, JSONObject, String) async
        -> UserInteractiveAuth.StageCheck
    {
        let service = self
        return { stage, auth, _ in
            guard stage == "m.login.password" else {
                return .failed(MatrixError("M_UNRECOGNIZED", "Unsupported stage \(stage)", status: 401))
            }
            guard case .string(let password)? = auth["password"] else {
                return .failed(MatrixError.missingParam("auth.password is required"))
            }
            let identifier = LoginIdentifier.user(in: auth) ?? requester.userId
            guard let named = try? service.localpart(fromIdentifier: identifier), named == requester.localpart else {
                return .failed(MatrixError.forbidden("The credentials are not those of the logged-in user"))
            }
            do {
                _ = try await service.checkPassword(identifier: requester.localpart, password: password)
                return .passed
            } catch let error as MatrixError {
                return .failed(error)
            } catch {
                return .failed(MatrixError.forbidden("Invalid password"))
            }
        }
    }
}

/// Reads the user out of an auth or login dictionary: `identifier` of type `m.id.user`, or the deprecated
/// top-level `user`.
public enum LoginIdentifier {
    public static func user(in object: JSONObject) -> String? {
        if case .object(let identifier)? = object["identifier"], identifier["type"]?.stringValue == "m.id.user",
            case .string(let user)? = identifier["user"]
        {
            return user
        }
        return object["user"]?.stringValue
    }
}

/// Devices' "last seen" is worth a write every few minutes, not on every request.
actor LastSeenThrottle {
    private var recorded: [String: Int64] = [:]
    private let intervalMs: Int64 = 300_000
    private let maxEntries = 4096

    func shouldRecord(userNid: Int64, deviceId: String, now: Int64) -> Bool {
        let key = "\(userNid)/\(deviceId)"
        if let last = recorded[key], now - last < intervalMs { return false }
        if recorded.count >= maxEntries { recorded.removeAll(keepingCapacity: true) }
        recorded[key] = now
        return true
    }
}
