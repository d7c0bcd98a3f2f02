import MatrixCore

/// A bearer secret (access, refresh, login or OpenID token): 32 random bytes, URL-safe base64, with a short
/// prefix that tells the kinds apart in logs and bug reports. Only its SHA-256 is stored.
public struct SecretToken: Sendable {
    public enum Kind: String, Sendable {
        case access = "myl_a_"
        case refresh = "myl_r_"
        case login = "myl_l_"
        case openID = "myl_o_"
    }

    public let value: String

    public var hash: [UInt8] { Self.hash(of: value) }

    public static func mint(_ kind: Kind) -> SecretToken {
        SecretToken(value: kind.rawValue + Base64.encode(Crypto.randomBytes(32), urlSafe: true))
    }

    public static func hash(of presented: String) -> [UInt8] {
        Crypto.sha256(presented.utf8)
    }

    /// A device ID a client did not choose: ten upper-case letters, as Synapse makes them.
    public static func newDeviceId() -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        return String(decoding: Crypto.randomBytes(10).map { letters[Int($0) % letters.count] }, as: UTF8.self)
    }

    /// An opaque identifier (UIA sessions, nonces).
    public static func opaqueId(bytes: Int = 18) -> String {
        Base64.encode(Crypto.randomBytes(bytes), urlSafe: true)
    }
}
