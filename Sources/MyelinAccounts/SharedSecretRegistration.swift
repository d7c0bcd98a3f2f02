import MatrixCore
import MyelinStorage

/// Synapse's shared-secret registration (`/_synapse/admin/v1/register`), which bots and provisioning
/// scripts use: fetch a nonce, then post the user with an HMAC-SHA1 over
/// `nonce NUL username NUL password NUL ("admin"|"notadmin") [NUL user_type]` keyed with the secret.
public actor SharedSecretRegistration {
    private let secret: String?
    private let clock: WallClock
    private var nonces: [String: Int64] = [:]
    private let nonceLifetimeMs: Int64 = 60_000
    private let maxNonces = 256

    public init(secret: String?, clock: WallClock) {
        self.secret = secret
        self.clock = clock
    }

    public struct Request: Sendable {
        public var nonce: String
        public var username: String
        public var password: String
        public var admin: Bool
        public var userType: String?
        public var mac: String

        public init(nonce: String, username: String, password: String, admin: Bool, userType: String?, mac: String) {
            self.nonce = nonce
            self.username = username
            self.password = password
            self.admin = admin
            self.userType = userType
            self.mac = mac
        }
    }

    public func newNonce() throws -> String {
        guard secret != nil else { throw MatrixError.badJSON("Shared secret registration is not enabled") }
        expire()
        if nonces.count >= maxNonces, let oldest = nonces.min(by: { $0.value < $1.value })?.key {
            nonces[oldest] = nil
        }
        let nonce = Crypto.hex(Crypto.randomBytes(16))
        nonces[nonce] = clock.nowMs()
        return nonce
    }

    /// Checks the nonce (single use) and the MAC; returns normally when the request is authentic.
    public func verify(_ request: Request) throws {
        guard let secret else { throw MatrixError.badJSON("Shared secret registration is not enabled") }
        expire()
        guard nonces.removeValue(forKey: request.nonce) != nil else {
            throw MatrixError.unknown("Unrecognised nonce")
        }
        var message = Array(request.nonce.utf8) + [0] + Array(request.username.utf8) + [0]
            + Array(request.password.utf8) + [0] + Array((request.admin ? "admin" : "notadmin").utf8)
        if let userType = request.userType { message += [0] + Array(userType.utf8) }
        let expected = Crypto.hex(Crypto.hmacSHA1(key: Array(secret.utf8), message: message))
        guard Crypto.constantTimeEqual(Array(expected.utf8), Array(request.mac.lowercased().utf8)) else {
            throw MatrixError.forbidden("HMAC incorrect")
        }
    }

    private func expire() {
        let cutoff = clock.nowMs() - nonceLifetimeMs
        nonces = nonces.filter { $0.value >= cutoff }
    }
}
