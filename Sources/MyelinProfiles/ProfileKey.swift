import MatrixCore

/// A profile field name from a URL (`/profile/{userId}/{keyName}`): the two fields member events carry,
/// or any other (`m.tz`, custom keys), which follow the Common Namespaced Identifier Grammar.
public enum ProfileKey: Sendable, Hashable {
    case displayname
    case avatarURL
    case other(String)

    /// The spec's limit on a key's length, in bytes.
    public static let maxKeyBytes = 255

    /// 400 `M_KEY_TOO_LARGE` past 255 bytes, 400 `M_INVALID_PARAM` outside the grammar (as Synapse).
    public init(parsing name: String) throws(MatrixError) {
        switch name {
        case "displayname": self = .displayname
        case "avatar_url": self = .avatarURL
        default:
            guard name.utf8.count <= Self.maxKeyBytes else {
                throw MatrixError("M_KEY_TOO_LARGE", "Profile keys are at most \(Self.maxKeyBytes) bytes", status: 400)
            }
            guard Self.isNamespacedIdentifier(name) else {
                throw MatrixError.invalidParam(
                    "Profile key \"\(name)\" does not follow the Common Namespaced Identifier Grammar")
            }
            self = .other(name)
        }
    }

    public var name: String {
        switch self {
        case .displayname: "displayname"
        case .avatarURL: "avatar_url"
        case .other(let name): name
        }
    }

    /// Appendices, "Common Namespaced Identifier Grammar": `[a-z]` then `[a-z0-9-_.]`, 1 to 255 characters.
    static func isNamespacedIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
    }
}
