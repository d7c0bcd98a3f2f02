import Logging
import MatrixCore
import MyelinStorage

/// The account services share one of these: the stores, the password hasher, the clock and the rules.
public struct AccountsContext: Sendable {
    public let settings: AccountsSettings
    public let users: AccountStore
    public let devices: DeviceStore
    public let accountData: AccountDataStore
    /// Told of every account data write, for sync.
    public let filters: FilterStore
    /// Users whose device lists changed (devices deleted or renamed, keys uploaded), for sync's wake-ups;
    /// the change itself is recorded in storage with the write.
    public let deviceListChanges = ChangeFeed<String>()
    public let registrationTokens: RegistrationTokenStore
    public let hasher: PasswordHasher
    public let clock: WallClock
    public let uia: UserInteractiveAuth
    public let logger: Logger

    public init(settings: AccountsSettings, database: MyelinDatabase, hasher: PasswordHasher, clock: WallClock,
                logger: Logger) {
        self.settings = settings
        self.users = AccountStore(database: database)
        self.devices = DeviceStore(database: database)
        self.accountData = AccountDataStore(database: database, quota: settings.quotas.accountData)
        self.filters = FilterStore(database: database, quota: settings.quotas.filters)
        let tokens = RegistrationTokenStore(database: database)
        self.registrationTokens = tokens
        self.hasher = hasher
        self.clock = clock
        self.logger = logger
        self.uia = UserInteractiveAuth(
            clock: clock, lifetimeMs: settings.uiaSessionLifetimeMs, maxSessions: settings.uiaMaxSessions,
            onExpire: { token in try? await tokens.release(token) })
    }

    public func userId(_ localpart: String) -> String { "@\(localpart):\(settings.serverName)" }
}

/// The caller of an authenticated request.
public struct Requester: Sendable, Equatable {
    public let userNid: Int64
    public let localpart: String
    public let userId: String
    public let deviceId: String
    public let tokenId: Int64
    public let isAdmin: Bool
    public let isGuest: Bool
}

/// What a login or registration hands the client.
public struct SessionGrant: Sendable, Equatable {
    public let userId: String
    public let deviceId: String?
    public let accessToken: String?
    public let refreshToken: String?
    public let expiresInMs: Int64?
}
