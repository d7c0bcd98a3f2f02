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
        let changes = try membershipChanges(db, of: userId, roomNid: roomNid)
        let atToken = changes.last { $0.streamPos <= since }?.membership
        var current = atToken
        for change in changes where change.streamPos > since && change.streamPos <= upTo {
            if change.membership == "join", current != "join" { return MembershipSince(atToken: atToken, joinedAfter: true) }
            current = change.membership
        }
        return MembershipSince(atToken: atToken, joinedAfter: false)
    }
}
