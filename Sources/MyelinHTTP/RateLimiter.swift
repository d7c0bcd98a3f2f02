import MatrixCore

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

    private func rule(_ action: RateLimitedAction) -> RateLimitSettings.Rule { settings.rule(action) }

    public func isExempt(user: String?, address: String?) -> Bool {
        if !settings.enabled { return true }
        if let user, settings.exemptUsers.contains(user) { return true }
        if let address, settings.exemptAddresses.contains(address) { return true }
        return false
    }

    /// Takes `cost` tokens (one action, or a request that carries `cost` of them); throws `M_LIMIT_EXCEEDED`
    /// with the wait when the bucket holds too few. A cost above the burst is let through when the bucket
    /// is full and leaves it in debt: one large legitimate request is never refused forever, and the
    /// average rate still holds, since the debt is paid before the next request.
    public func consume(_ action: RateLimitedAction, key: String, cost: Double = 1) throws(MatrixError) {
        let rule = rule(action)
        let now = clock.now
        let id = action.rawValue + "\u{0}" + key
        var bucket = buckets[id] ?? Bucket(tokens: rule.burst, updated: now)
        bucket.tokens = min(rule.burst, bucket.tokens + elapsedSeconds(from: bucket.updated, to: now) * rule.perSecond)
        bucket.updated = now
        let needed = min(max(cost, 0), rule.burst)
        guard bucket.tokens >= needed else {
            buckets[id] = bucket
            let wait = (needed - bucket.tokens) / max(rule.perSecond, 1e-9)
            throw MatrixError.limitExceeded(retryAfterMs: max(1, Int64((wait * 1000).rounded(.up))))
        }
        bucket.tokens -= max(cost, 0)
        buckets[id] = bucket
        if buckets.count > maxBuckets { prune(now: now) }
    }

    /// `consume` for a request, as the pipeline takes a route's limit: keyed by the user when
    /// authenticated, else by the address, and nothing for exempt users and addresses. For handlers whose
    /// cost is known only from the body.
    public func consume(_ action: RateLimitedAction, user: String?, address: String?, cost: Double) throws(MatrixError) {
        if isExempt(user: user, address: address) { return }
        try consume(action, key: user ?? address ?? "unknown", cost: cost)
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
