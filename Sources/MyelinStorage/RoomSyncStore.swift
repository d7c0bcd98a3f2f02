import GRDB
import MatrixCore

/// The queries /sync makes: stream positions and what changed in a range of them.
extension RoomEventStore {
    /// A user's memberships (every room with a member event for them), with the stream position of
    /// the change.
    public func memberships(of userId: String) async throws -> [UserMembership] {
        try await database.read { db in try Self.memberships(db, of: userId) }
    }

    static func memberships(_ db: Database, of userId: String) throws -> [UserMembership] {
        do {
            return try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT r.room_nid, r.room_id, r.room_version, m.membership, m.event_nid, m.stream_pos, m.forgotten
                    FROM room_members m JOIN rooms r ON r.room_nid = m.room_nid WHERE m.user_id = ?
                    """), arguments: [userId]
            ).map { row in
                UserMembership(roomNid: row["room_nid"], roomId: row["room_id"], roomVersion: row["room_version"],
                               membership: row["membership"], eventNid: row["event_nid"],
                               streamPos: row["stream_pos"] ?? 0, forgotten: row["forgotten"])
            }
        }
    }

    /// Accepted events of a room with a stream position in (after, upTo], newest first, at most `limit`.
    public func streamEvents(roomNid: Int64, after: Int64, upTo: Int64, limit: Int) async throws -> [StoredEvent] {
        try await database.read { db in
            try Self.events(db, where: "e.room_nid = ? AND e.stream_pos > ? AND e.stream_pos <= ?",
                            arguments: [roomNid, after, upTo], orderBy: "e.stream_pos DESC", limit: limit,
                            cached: true)
        }
    }

    /// Rooms with accepted events in (after, upTo].
    static func roomsWithEvents(_ db: Database, after: Int64, upTo: Int64) throws -> Set<Int64> {
        Set(try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT DISTINCT room_nid FROM events WHERE stream_pos > ? AND stream_pos <= ?"),
            arguments: [after, upTo]))
    }

    /// The snapshot of a room's state after its last accepted event at or before stream position
    /// `stream` (nil when the room had no event yet).
    public func stateSnapshot(roomNid: Int64, atStream stream: Int64) async throws -> Int64? {
        try await database.read { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: """
                    SELECT state_after_nid FROM events WHERE room_nid = ? AND stream_pos IS NOT NULL AND stream_pos <= ?
                    ORDER BY stream_pos DESC LIMIT 1
                    """), arguments: [roomNid, stream])
        }
    }
}

extension RoomEventStore {
    /// A room's `summary` for `viewer`: joined and invited counts, and up to `heroes` other members
    /// (joined before invited, each by user ID), without loading the member list.
    public func memberSummary(roomNid: Int64, viewer: String, heroes: Int) async throws -> MemberSummary {
        try await database.read { db in
            let counts = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT SUM(membership = 'join') AS joined, SUM(membership = 'invite') AS invited
                    FROM room_members WHERE room_nid = ?
                    """),
                arguments: [roomNid])
            let heroes = try String.fetchAll(
                db.cachedStatement(sql: """
                    SELECT user_id FROM room_members
                    WHERE room_nid = ? AND membership IN ('join', 'invite') AND user_id != ?
                    ORDER BY membership = 'invite', user_id LIMIT ?
                    """),
                arguments: [roomNid, viewer, heroes])
            return MemberSummary(joined: counts?["joined"] ?? 0, invited: counts?["invited"] ?? 0, heroes: heroes)
        }
    }
}

public struct MemberSummary: Sendable, Equatable {
    public let joined: Int
    public let invited: Int
    public let heroes: [String]
}

/// One of a user's room memberships as sync sees it.
public struct UserMembership: Sendable {
    public let roomNid: Int64
    public let roomId: String
    public let roomVersion: String
    public let membership: String
    public let eventNid: Int64
    public let streamPos: Int64
    public let forgotten: Bool
}

extension RoomEventStore {
    /// Accepted events of every room with a stream position after `after`, in stream order, at most
    /// `limit` (for services that follow the whole stream, such as push rule evaluation).
    public func streamEvents(after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await database.read { db in
            try Self.events(db, where: "e.stream_pos > ?", arguments: [after], orderBy: "e.stream_pos",
                            limit: limit, cached: true)
        }
    }
}

extension RoomEventStore {
    /// What changed in a room's state between stream position `after` and the snapshot `target`: the
    /// state keys whose event differs (whole states compared, so changes that state resolution made
    /// without a state event of its own are caught too).
    public func stateChanges(roomNid: Int64, after: Int64, to target: Int64) async throws -> [StateTuple: String] {
        let now = try await state(snapshot: target)
        guard let before = try await stateSnapshot(roomNid: roomNid, atStream: after) else { return now }
        let then = try await state(snapshot: before)
        return now.filter { then[$0.key] != $0.value }
    }
}

extension RoomEventStore {
    /// A user's accepted membership events in a room, in stream order (for `unsigned.membership`).
    public func membershipChanges(of userId: String, roomNid: Int64) async throws -> [(streamPos: Int64, membership: String)] {
        try await database.read { db in try Self.membershipChanges(db, of: userId, roomNid: roomNid) }
    }

    /// Found by state key (index `events_by_state_key`), not by scanning the room; redaction keeps
    /// `content.membership`, so pruned events count too.
    static func membershipChanges(_ db: Database, of userId: String, roomNid: Int64) throws
        -> [(streamPos: Int64, membership: String)]
    {
        guard let key = try NumericIDs.stateKeyNids(db, [StateTuple(type: "m.room.member", stateKey: userId)])
            .values.first
        else { return [] }
        return try Self.events(db, where: "e.state_key_nid = ? AND e.room_nid = ? AND e.stream_pos IS NOT NULL",
                               arguments: [key, roomNid], orderBy: "e.stream_pos", cached: true).compactMap { event in
            guard let position = event.streamPos, case .object(let json)? = try? JSONParser.parse(event.json),
                let membership = json["content"]?["membership"]?.stringValue
            else { return nil }
            return (position, membership)
        }
    }
}

extension RoomEventStore {
    /// The room's joined members whose member event changed in stream positions (after, upTo]: who
    /// joined since a sync token (a profile change shows up too). Read through the new events, not
    /// the room's whole member list.
    public func joinedMembersChanged(roomNid: Int64, after: Int64, upTo: Int64) async throws -> Set<String> {
        try await database.read { db in
            Set(try String.fetchAll(
                db.cachedStatement(sql: """
                    SELECT DISTINCT k.state_key FROM events e
                    JOIN state_keys k ON k.state_key_nid = e.state_key_nid AND k.type = 'm.room.member'
                    JOIN room_members m ON m.room_nid = e.room_nid AND m.user_id = k.state_key
                    WHERE e.room_nid = ? AND e.stream_pos > ? AND e.stream_pos <= ? AND m.membership = 'join'
                    """), arguments: [roomNid, after, upTo]))
        }
    }
}
