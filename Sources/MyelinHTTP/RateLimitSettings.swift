/// Token-bucket limits for the actions that attract abuse: every write a user can repeat to make the
/// server work or to grow its database. Each is taken per user when the request is authenticated, else
/// per client address. Defaults let real clients (Element, Element X syncing many rooms) through and
/// stop a script; each has its `[rate_limit]` keys.
public struct RateLimitSettings: Sendable {
    public struct Rule: Sendable, Equatable {
        /// Tokens added per second.
        public var perSecond: Double
        /// Bucket size: how many actions may come at once.
        public var burst: Double

        public init(perSecond: Double, burst: Double) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    public var enabled: Bool
    /// Per client address.
    public var login: Rule
    /// Per client address.
    public var registration: Rule
    /// Per user: failed password checks against one account.
    public var failedLogin: Rule
    /// Per user: room events, joins and other membership changes.
    public var message: Rule
    /// Per sender, counted in messages (one per device named): an Olm key share to 200 devices is one
    /// request of 200.
    public var toDevice = Rule(perSecond: 20, burst: 1000)
    /// Per user: global and room account data, and room tags.
    public var accountData = Rule(perSecond: 1, burst: 30)
    /// Per user: filter uploads (a client uploads one or two at start).
    public var filter = Rule(perSecond: 0.2, burst: 20)
    /// Per user: profile changes, each of which sends a member event to every joined room.
    public var profile = Rule(perSecond: 0.1, burst: 10)
    /// Per user: `createRoom`.
    public var roomCreation = Rule(perSecond: 0.05, burst: 10)
    /// Per inviter (Synapse's `rc_invites.per_issuer` default).
    public var invite = Rule(perSecond: 0.3, burst: 10)
    /// Per user: `/keys/upload`, `/keys/signatures/upload`, `/keys/device_signing/upload`.
    public var keyUpload = Rule(perSecond: 1, burst: 30)
    /// Per user: room key backup writes (a first backup uploads its keys in batches, quickly).
    public var keyBackup = Rule(perSecond: 2, burst: 100)
    /// Per user: reports of events, rooms and users.
    public var report = Rule(perSecond: 0.05, burst: 5)
    /// Per user: room aliases and room directory visibility.
    public var directory = Rule(perSecond: 0.1, burst: 10)
    public var exemptUsers: Set<String>
    public var exemptAddresses: Set<String>

    public init(enabled: Bool = true, login: Rule = .init(perSecond: 0.17, burst: 3),
                registration: Rule = .init(perSecond: 0.17, burst: 3), failedLogin: Rule = .init(perSecond: 0.17, burst: 3),
                message: Rule = .init(perSecond: 0.2, burst: 10), exemptUsers: Set<String> = [],
                exemptAddresses: Set<String> = []) {
        self.enabled = enabled
        self.login = login
        self.registration = registration
        self.failedLogin = failedLogin
        self.message = message
        self.exemptUsers = exemptUsers
        self.exemptAddresses = exemptAddresses
    }

    func rule(_ action: RateLimitedAction) -> Rule {
        switch action {
        case .login: return login
        case .registration: return registration
        case .failedLogin: return failedLogin
        case .message: return message
        case .toDevice: return toDevice
        case .accountData: return accountData
        case .filter: return filter
        case .profile: return profile
        case .roomCreation: return roomCreation
        case .invite: return invite
        case .keyUpload: return keyUpload
        case .keyBackup: return keyBackup
        case .report: return report
        case .directory: return directory
        }
    }
}

/// What a limit applies to.
public enum RateLimitedAction: String, Sendable, CaseIterable {
    case login
    case registration
    case failedLogin
    case message
    case toDevice
    case accountData
    case filter
    case profile
    case roomCreation
    case invite
    case keyUpload
    case keyBackup
    case report
    case directory
}
