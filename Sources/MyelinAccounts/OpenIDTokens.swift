import MatrixCore

/// OpenID tokens (`/user/{userId}/openid/request_token`): an hour-long proof of a user's identity that
/// a third party (an integration manager, Element Call's LiveKit service) exchanges at
/// `/_matrix/federation/v1/openid/userinfo`. They are kept in memory: a restart only makes the client
/// ask for another, and a bound on their number keeps a client asking in a loop from growing memory.
public actor OpenIDTokens {
    /// The spec's example lifetime, and Synapse's.
    public static let lifetimeMs: Int64 = 3_600_000
    static let maxTokens = 10_000

    private struct Grant {
        let userId: String
        let expiresMs: Int64
    }

    private let clock: WallClock
    /// By the token's SHA-256, as every other bearer secret is held.
    private var grants: [[UInt8]: Grant] = [:]

    public init(clock: WallClock) {
        self.clock = clock
    }

    /// A new token for `userId` and its lifetime in seconds.
    public func issue(for userId: String) -> (token: String, expiresInS: Int64) {
        let now = clock.nowMs()
        if grants.count >= Self.maxTokens {
            grants = grants.filter { $0.value.expiresMs > now }
            // Still full: the ones closest to expiry go first.
            if grants.count >= Self.maxTokens {
                for (hash, _) in grants.sorted(by: { $0.value.expiresMs < $1.value.expiresMs })
                    .prefix(grants.count - Self.maxTokens + 1) {
                    grants[hash] = nil
                }
            }
        }
        let token = SecretToken.mint(.openID)
        grants[token.hash] = Grant(userId: userId, expiresMs: now + Self.lifetimeMs)
        return (token.value, Self.lifetimeMs / 1000)
    }

    /// The user a live token was issued to; nil for an unknown or expired one.
    public func user(for token: String) -> String? {
        let hash = SecretToken.hash(of: token)
        guard let grant = grants[hash] else { return nil }
        guard grant.expiresMs > clock.nowMs() else {
            grants[hash] = nil
            return nil
        }
        return grant.userId
    }
}
