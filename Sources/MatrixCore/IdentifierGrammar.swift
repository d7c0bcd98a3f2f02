/// Checks of room and event IDs against the appendices' grammar, per room version where it differs.
public enum IdentifierGrammar {
    public struct Violation: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A room ID: `!opaque:server` before room version 12 (or when the version is unknown), `!` + the
    /// URL-safe hash of the create event from 12.
    public static func checkRoomId(_ id: String, roomVersion: RoomVersion? = nil) throws(Violation) {
        guard id.utf8.count <= 255 else { throw Violation(description: "a room ID is at most 255 bytes") }
        guard id.hasPrefix("!") else { throw Violation(description: "a room ID starts with '!'") }
        if roomVersion?.roomIDFromCreateEvent == true {
            guard RoomID.isHashRoomId(id) else {
                throw Violation(description: "a room version 12 room ID is '!' and 43 URL-safe base64 characters")
            }
            return
        }
        if roomVersion == nil, RoomID.isHashRoomId(id) { return }
        try checkOpaqueWithServer(id, kind: "room ID")
    }

    /// An event ID in the form of its room version: `$opaque:server` (v1, v2), `$` + unpadded standard
    /// base64 of a SHA-256 digest (v3), `$` + the URL-safe alphabet (v4+).
    public static func checkEventId(_ id: String, roomVersion: RoomVersion) throws(Violation) {
        guard id.utf8.count <= 255 else { throw Violation(description: "an event ID is at most 255 bytes") }
        guard id.hasPrefix("$") else { throw Violation(description: "an event ID starts with '$'") }
        let body = String(id.dropFirst())
        switch roomVersion.eventIDFormat {
        case .senderChosen:
            try checkOpaqueWithServer(id, kind: "event ID")
        case .referenceHashStandard, .referenceHashURLSafe:
            let urlSafe = roomVersion.eventIDFormat == .referenceHashURLSafe
            let alphabetOK = body.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    return true
                case UInt8(ascii: "-"), UInt8(ascii: "_"): return urlSafe
                case UInt8(ascii: "+"), UInt8(ascii: "/"): return !urlSafe
                default: return false
                }
            }
            guard alphabetOK, let digest = Base64.decode(body), digest.count == SHA256.digestLength,
                Base64.encode(digest, urlSafe: urlSafe) == body
            else {
                throw Violation(description: "a room version \(roomVersion) event ID is '$' and the "
                    + (urlSafe ? "URL-safe" : "standard") + " unpadded base64 of a SHA-256 digest")
            }
        }
    }

    private static func checkOpaqueWithServer(_ id: String, kind: String) throws(Violation) {
        guard let colon = id.firstIndex(of: ":") else {
            throw Violation(description: "a \(kind) has the form \(id.prefix(1))opaque:server")
        }
        guard id.index(after: id.startIndex) < colon else { throw Violation(description: "the \(kind) is empty") }
        do {
            _ = try ServerName(parsing: String(id[id.index(after: colon)...]))
        } catch {
            throw Violation(description: "bad server name in \(kind): \(error.description)")
        }
    }
}
