import MyelinStorage

/// Who may register.
public enum RegistrationMode: String, Sendable, CaseIterable {
    /// Open until an admin account exists, closed after: a fresh server can be claimed, a configured one
    /// is shut.
    case auto
    /// Nobody registers through the client API (admins create users).
    case closed
    /// Registration needs a registration token (`m.login.registration_token`).
    case token
    /// Anyone may register (`m.login.dummy`).
    case open
}

/// The account rules the server was configured with.
public struct AccountsSettings: Sendable {
    public var serverName: String
    public var registrationMode: RegistrationMode
    public var allowGuests: Bool
    /// Synapse-compatible `/_synapse/admin/v1/register`; disabled when nil.
    public var sharedSecret: String?
    public var passwordMinLength: Int
    /// Lifetime of access tokens issued with a refresh token (clients that asked for `refresh_token`).
    public var refreshableAccessTokenLifetimeMs: Int64
    public var loginTokenLifetimeMs: Int64
    /// How long a user-interactive auth session lives.
    public var uiaSessionLifetimeMs: Int64
    /// Most UIA sessions held at once (memory bound); the oldest are dropped first.
    public var uiaMaxSessions: Int
    /// Per-user storage caps (to-device, account data, filters), enforced by the stores.
    public var quotas: StorageQuotas

    public init(
        serverName: String, registrationMode: RegistrationMode = .auto, allowGuests: Bool = false,
        sharedSecret: String? = nil, passwordMinLength: Int = 8, refreshableAccessTokenLifetimeMs: Int64 = 300_000,
        loginTokenLifetimeMs: Int64 = 120_000, uiaSessionLifetimeMs: Int64 = 600_000, uiaMaxSessions: Int = 1000,
        quotas: StorageQuotas = .init()
    ) {
        self.serverName = serverName
        self.registrationMode = registrationMode
        self.allowGuests = allowGuests
        self.sharedSecret = sharedSecret
        self.passwordMinLength = passwordMinLength
        self.refreshableAccessTokenLifetimeMs = refreshableAccessTokenLifetimeMs
        self.loginTokenLifetimeMs = loginTokenLifetimeMs
        self.uiaSessionLifetimeMs = uiaSessionLifetimeMs
        self.uiaMaxSessions = uiaMaxSessions
        self.quotas = quotas
    }
}
