/// A user ID, `@localpart:server_name` (appendices, "User Identifiers").
public struct UserID: Sendable, Hashable, CustomStringConvertible {
    public let localpart: String
    public let serverName: String

    public var description: String { "@\(localpart):\(serverName)" }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(localpart: String, serverName: String) {
        self.localpart = localpart
        self.serverName = serverName
    }

    /// Parses a full user ID. `strict` applies today's localpart grammar; otherwise the historical one
    /// (any printable ASCII but ':') that other servers may still send is accepted.
    public init(parsing text: String, strict: Bool = false) throws(ParseError) {
        guard text.utf8.count <= 255 else { throw ParseError(description: "a user ID is at most 255 bytes") }
        guard text.hasPrefix("@") else { throw ParseError(description: "a user ID starts with '@'") }
        guard let colon = text.firstIndex(of: ":") else {
            throw ParseError(description: "a user ID has the form @localpart:server")
        }
        let localpart = String(text[text.index(after: text.startIndex)..<colon])
        let server = String(text[text.index(after: colon)...])
        guard !localpart.isEmpty else { throw ParseError(description: "the localpart of a user ID cannot be empty") }
        let valid = strict ? Self.isStrictLocalpart(localpart) : Self.isHistoricalLocalpart(localpart)
        guard valid else { throw ParseError(description: "the localpart \"\(localpart)\" has characters a user ID may not use") }
        do {
            _ = try ServerName(parsing: server)
        } catch {
            throw ParseError(description: "bad server name in user ID: \(error.description)")
        }
        self.localpart = localpart
        self.serverName = server
    }

    /// Today's grammar: `a-z`, `0-9`, `.`, `_`, `=`, `-`, `/`, `+`.
    public static func isStrictLocalpart(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "/"),
                UInt8(ascii: "+"):
                return true
            default: return false
            }
        }
    }

    /// The historical grammar: printable ASCII (0x21-0x7E) except ':'.
    public static func isHistoricalLocalpart(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: ":") }
    }
}
