import GRDB
import MatrixCore

/// The two state entries history visibility depends on, in one snapshot.
public struct VisibilityStateRow: Sendable {
    /// The `m.room.history_visibility` event in force, if any.
    public let historyVisibilityNid: Int64?
    /// The user's `m.room.member` event, if any.
    public let memberNid: Int64?
}

/// A user's current membership row, with whether they forgot the room.
public struct RoomMemberRow: Sendable {
    public let membership: String
    public let eventNid: Int64
    public let forgotten: Bool
}

/// Lookups for deciding what a user may read: only the keys that matter, once per snapshot, so a page
/// of events sharing a handful of snapshots costs a handful of skip-delta walks, not whole states.
extension RoomEventStore {
    public func visibilityState(snapshots: Set<Int64>, userId: String) async throws -> [Int64: VisibilityStateRow] {
        if snapshots.isEmpty { return [:] }
        return try await database.read { db in
            let visibilityKey = try NumericIDs.stateKey(
                db, StateTuple(type: "m.room.history_visibility", stateKey: ""), create: false)
            let memberKey = try NumericIDs.stateKey(db, StateTuple(type: "m.room.member", stateKey: userId),
                                                    create: false)
            let keys = [visibilityKey, memberKey].compactMap { $0 }
            var result: [Int64: VisibilityStateRow] = [:]
            for snapshot in snapshots {
                let entries = keys.isEmpty ? [:] : try StateSnapshots.lookup(db, snapshot, keys: keys)
                result[snapshot] = VisibilityStateRow(historyVisibilityNid: visibilityKey.flatMap { entries[$0] },
                                                      memberNid: memberKey.flatMap { entries[$0] })
            }
            return result
        }
    }

    public func memberRow(roomNid: Int64, userId: String) async throws -> RoomMemberRow? {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT membership, event_nid, forgotten FROM room_members WHERE room_nid = ? AND user_id = ?",
                arguments: [roomNid, userId]
            ).map { RoomMemberRow(membership: $0["membership"], eventNid: $0["event_nid"], forgotten: $0["forgotten"]) }
        }
    }
}
