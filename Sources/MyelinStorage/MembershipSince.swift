import FoundationEssentials
import GRDB
import MatrixCore

/// How a user's membership of a room moved after a sync token, for a room where it changed: whether the
/// client holds the room's state (the user was joined at the token) or must be sent it whole.
public struct MembershipSince: Sendable, Equatable {
    /// The membership at the token (nil: none).
    public let atToken: String?
    /// Whether the user joined (from any other membership) after the token.
    public let joinedAfter: Bool

    public init(atToken: String?, joinedAfter: Bool) {
        self.atToken = atToken
        self.joinedAfter = joinedAfter
    }
}

extension RoomEventStore {
    /// The user's membership of a room at stream position `since` and whether they joined in
    /// (since, upTo], from their accepted member events (found by state key, not by scanning the room).
    static func membershipSince(_ db: Database, userId: String, roomNid: Int64, since: Int64, upTo: Int64) throws
        -> MembershipSince
    {
        guard let key = try NumericIDs.stateKey(db, StateTuple(type: "m.room.member", stateKey: userId), create: false)
        else { return MembershipSince(atToken: nil, joinedAfter: false) }
        let atToken = try Data.fetchOne(
            db.cachedStatement(sql: """
                SELECT json FROM events WHERE state_key_nid = ? AND room_nid = ? AND stream_pos <= ?
                ORDER BY stream_pos DESC LIMIT 1
                """), arguments: [key, roomNid, since]
        ).flatMap(membership)
        var current = atToken
        let later = try Data.fetchCursor(
            db.cachedStatement(sql: """
                SELECT json FROM events WHERE state_key_nid = ? AND room_nid = ? AND stream_pos > ? AND stream_pos <= ?
                ORDER BY stream_pos
                """), arguments: [key, roomNid, since, upTo])
        while let json = try later.next() {
            let next = membership(json)
            if next == "join", current != "join" { return MembershipSince(atToken: atToken, joinedAfter: true) }
            current = next
        }
        return MembershipSince(atToken: atToken, joinedAfter: false)
    }

    /// `content.membership` of a member event's JSON (kept by redaction, so pruned events have it too).
    private static func membership(_ json: Data) -> String? {
        guard case .object(let event)? = try? JSONParser.parse([UInt8](json)) else { return nil }
        return event["content"]?["membership"]?.stringValue
    }
}
