import MatrixCore

/// Token-bucket limits for the actions that attract abuse.
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
    /// Per user.
    public var message: Rule
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
}

/// What a limit applies to.
public enum RateLimitedAction: String, Sendable {
    case login
    case registration
    case failedLogin
    case message
}

/// Token buckets keyed by (action, user or address). Buckets that have refilled are forgotten when the map
/// grows, so memory stays bounded however many addresses knock.
public actor RateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let settings: RateLimitSettings
    private var buckets: [String: Bucket] = [:]
    private let maxBuckets = 10_000
    private let clock = ContinuousClock()

    public init(settings: RateLimitSettings) {
        self.settings = settings
    }

    private func rule(_ action: RateLimitedAction) -> RateLimitSettings.Rule {
        switch action {
        case .login: return settings.login
        case .registration: return settings.registration
        case .failedLogin: return settings.failedLogin
        case .message: return settings.message
        }
    }

    public func isExempt(user: String?, address: String?) -> Bool {
        if !settings.enabled { return true }
        if let user, settings.exemptUsers.contains(user) { return true }
        if let address, settings.exemptAddresses.contains(address) { return true }
        return false
    }

    /// Takes one token; throws `M_LIMIT_EXCEEDED` with the wait when the bucket is empty.
    public func consume(_ action: RateLimitedAction, key: String) throws(MatrixError) {
        let rule = rule(action)
        let now = clock.now
        let id = action.rawValue + "\u{0}" + key
        var bucket = buckets[id] ?? Bucket(tokens: rule.burst, updated: now)
        bucket.tokens = min(rule.burst, bucket.tokens + elapsedSeconds(from: bucket.updated, to: now) * rule.perSecond)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[id] = bucket
            let wait = (1 - bucket.tokens) / max(rule.perSecond, 1e-9)
            throw MatrixError.limitExceeded(retryAfterMs: Int64((wait * 1000).rounded(.up)))
        }
        bucket.tokens -= 1
        buckets[id] = bucket
        if buckets.count > maxBuckets { prune(now: now) }
    }

    /// Whether the bucket still has a token, without taking it (to refuse before doing expensive work).
    public func check(_ action: RateLimitedAction, key: String) throws(MatrixError) {
        let rule = rule(action)
        let id = action.rawValue + "\u{0}" + key
        guard let bucket = buckets[id] else { return }
        let tokens = min(rule.burst, bucket.tokens + elapsedSeconds(from: bucket.updated, to: clock.now) * rule.perSecond)
        if tokens < 1 {
            let wait = (1 - tokens) / max(rule.perSecond, 1e-9)
            throw MatrixError.limitExceeded(retryAfterMs: Int64((wait * 1000).rounded(.up)))
        }
    }

    private func prune(now: ContinuousClock.Instant) {
        buckets = buckets.filter { id, bucket in
            let action = RateLimitedAction(rawValue: String(id.prefix { $0 != "\u{0}" })) ?? .login
            let rule = rule(action)
            return bucket.tokens + elapsedSeconds(from: bucket.updated, to: now) * rule.perSecond < rule.burst
        }
        // Under a flood of distinct keys, drop everything rather than grow without bound.
        if buckets.count > maxBuckets { buckets.removeAll() }
    }

    private func elapsedSeconds(from: ContinuousClock.Instant, to: ContinuousClock.Instant) -> Double {
        let duration = to - from
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
