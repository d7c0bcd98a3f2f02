import MatrixCore
import MyelinStorage

/// What a profile field may hold, checked before anything is stored.
enum ProfileValueRules {
    /// Synapse's limits (characters, as Python counts them: code points).
    static let maxDisplayNameLength = 256
    static let maxAvatarURLLength = 1000

    /// The stored change for `PUT /profile/{userId}/{keyName}` with `value`. `null` is refused (the spec
    /// lets servers; Synapse does, so clients do not come to rely on it); an empty displayname or
    /// avatar_url clears it, as in Synapse.
    static func change(_ key: ProfileKey, _ value: JSONValue) throws(MatrixError) -> ProfileChange {
        if value.isNull { throw MatrixError.invalidParam("'\(key.name)' cannot be null; DELETE the field instead") }
        switch key {
        case .displayname:
            guard case .string(let text) = value else {
                throw MatrixError.invalidParam("'displayname' must be a string, not \(value.typeName)")
            }
            guard text.unicodeScalars.count <= maxDisplayNameLength else {
                throw MatrixError.invalidParam("'displayname' is longer than \(maxDisplayNameLength) characters")
            }
            let trimmed = trimmed(text)
            return .displayname(trimmed.isEmpty ? nil : trimmed)
        case .avatarURL:
            guard case .string(let text) = value else {
                throw MatrixError.invalidParam("'avatar_url' must be a string, not \(value.typeName)")
            }
            guard text.unicodeScalars.count <= maxAvatarURLLength else {
                throw MatrixError.invalidParam("'avatar_url' is longer than \(maxAvatarURLLength) characters")
            }
            if text.isEmpty { return .avatarURL(nil) }
            guard isMXCURI(text) else {
                throw MatrixError.invalidParam("'avatar_url' must be an mxc:// URI (mxc://<server-name>/<media-id>)")
            }
            return .avatarURL(text)
        case .other(let name):
            if name == "m.tz", value.stringValue == nil {
                throw MatrixError.invalidParam("'m.tz' must be a string (an IANA time zone name)")
            }
            // Floats are kept as given (Synapse accepts them); everything else is canonical.
            return .field(key: name, value: CanonicalJSON.encodeLenient(value))
        }
    }

    /// `mxc://<server-name>/<media-id>` with the spec's grammar for both parts.
    static func isMXCURI(_ text: String) -> Bool {
        let prefix = "mxc://"
        guard text.hasPrefix(prefix) else { return false }
        let rest = text.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return false }
        let server = String(rest[..<slash])
        let media = rest[rest.index(after: slash)...]
        guard (try? ServerName(parsing: server)) != nil, !media.isEmpty else { return false }
        return media.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
