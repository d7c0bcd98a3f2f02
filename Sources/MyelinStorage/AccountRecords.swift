/// A local account as stored.
public struct UserRecord: Sendable, Equatable {
    public let nid: Int64
    public let localpart: String
    public let passwordHash: String?
    public let isAdmin: Bool
    public let isGuest: Bool
    public let deactivated: Bool
    public let createdTs: Int64
}

/// A device (a login session) of a user.
public struct DeviceRecord: Sendable, Equatable {
    public let deviceId: String
    public let displayName: String?
    public let lastSeenTs: Int64?
    public let lastSeenIP: String?
    public let createdTs: Int64
}

/// Who an access token belongs to, as the auth middleware needs it.
public struct TokenOwner: Sendable, Equatable {
    public let tokenId: Int64
    public let userNid: Int64
    public let localpart: String
    public let deviceId: String
    public let isAdmin: Bool
    public let isGuest: Bool
    /// Expiry in ms since the epoch, for refreshable tokens; nil for tokens that do not expire.
    public let expiresTs: Int64?
    /// The refresh token this access token was issued with, if any.
    public let refreshId: Int64?
    /// The refresh token that was exchanged for this one is still alive (first use retires it).
    public let refreshPredecessorPending: Bool
}

/// The hashes of freshly minted tokens to store for a new or refreshed session.
public struct NewSessionTokens: Sendable {
    public let accessHash: [UInt8]
    public let accessExpiresTs: Int64?
    public let refreshHash: [UInt8]?

    public init(accessHash: [UInt8], accessExpiresTs: Int64?, refreshHash: [UInt8]?) {
        self.accessHash = accessHash
        self.accessExpiresTs = accessExpiresTs
        self.refreshHash = refreshHash
    }
}

/// A registration token (spec: `m.login.registration_token`; admin API as Synapse shapes it).
public struct RegistrationTokenRecord: Sendable, Equatable {
    public let token: String
    public let usesAllowed: Int64?
    public let pending: Int64
    public let completed: Int64
    public let expiryTime: Int64?

    public init(token: String, usesAllowed: Int64?, pending: Int64, completed: Int64, expiryTime: Int64?) {
        self.token = token
        self.usesAllowed = usesAllowed
        self.pending = pending
        self.completed = completed
        self.expiryTime = expiryTime
    }

    /// Valid now: not expired and not used up (pending uses count against the limit).
    public func isValid(now: Int64) -> Bool {
        if let expiry = expiryTime, expiry <= now { return false }
        if let allowed = usesAllowed, pending + completed >= allowed { return false }
        return true
    }
}
