/// A room alias, `#localpart:server_name` (appendices, "Room Aliases").
public struct RoomAlias: Sendable, Hashable, CustomStringConvertible {
    public let localpart: String
    public let serverName: String

    public var description: String { "#\(localpart):\(serverName)" }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws(ParseError) {
        guard text.utf8.count <= 255 else { throw ParseError(description: "a room alias is at most 255 bytes") }
        guard text.hasPrefix("#") else { throw ParseError(description: "a room alias starts with '#'") }
        guard let colon = text.firstIndex(of: ":") else {
            throw ParseError(description: "a room alias has the form #localpart:server")
        }
        let localpart = String(text[text.index(after: text.startIndex)..<colon])
        guard !localpart.isEmpty else { throw ParseError(description: "the localpart of a room alias cannot be empty") }
        // The grammar allows any Unicode but ':' and NUL in the localpart.
        guard !localpart.unicodeScalars.contains(where: { $0 == ":" || $0 == "\0" }) else {
            throw ParseError(description: "a room alias localpart may not contain ':' or NUL")
        }
        let server = String(text[text.index(after: colon)...])
        do {
            _ = try ServerName(parsing: server)
        } catch {
            throw ParseError(description: "bad server name in room alias: \(error.description)")
        }
        self.localpart = localpart
        self.serverName = server
    }
}
