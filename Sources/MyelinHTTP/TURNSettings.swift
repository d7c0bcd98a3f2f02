import MatrixCore
import MyelinAccounts

/// The TURN servers VoIP clients are told about (`[voip]`), and the credentials each user gets for them:
/// time-limited ones from a secret shared with the TURN server (coturn's `use-auth-secret`, the "TURN REST
/// API"), or one fixed username and password.
public struct TURNSettings: Sendable {
    public var uris: [String]
    public var sharedSecret: String?
    public var username: String?
    public var password: String?
    public var lifetimeS: Int
    public var allowGuests: Bool

    public init(uris: [String] = [], sharedSecret: String? = nil, username: String? = nil, password: String? = nil,
                lifetimeS: Int = 86_400, allowGuests: Bool = true) {
        self.uris = uris
        self.sharedSecret = sharedSecret
        self.username = username
        self.password = password
        self.lifetimeS = lifetimeS
        self.allowGuests = allowGuests
    }

    /// One user's credentials (the `/voip/turnServer` body), or nil when there is nothing to offer: no URIs,
    /// no way to authenticate, or a guest where guests get none.
    func credentials(for requester: Requester, nowMs: Int64) -> JSONObject? {
        guard !uris.isEmpty, allowGuests || !requester.isGuest else { return nil }
        let user: String
        let secret: String
        if let sharedSecret {
            // The TURN server recomputes the password from the username, which carries the expiry.
            user = "\(nowMs / 1000 + Int64(lifetimeS)):\(requester.userId)"
            secret = Self.paddedBase64(Crypto.hmacSHA1(key: Array(sharedSecret.utf8), message: Array(user.utf8)))
        } else if let username, let password {
            user = username
            secret = password
        } else {
            return nil
        }
        return [
            "username": .string(user), "password": .string(secret),
            "uris": .array(uris.map(JSONValue.string)), "ttl": .int(Int64(lifetimeS)),
        ]
    }

    /// The TURN REST API compares base64 with its padding.
    static func paddedBase64(_ bytes: [UInt8]) -> String {
        var text = Base64.encode(bytes)
        while text.utf8.count % 4 != 0 { text += "=" }
        return text
    }
}
