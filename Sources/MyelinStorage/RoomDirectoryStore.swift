import GRDB

/// A room published in the room directory, with its joined member count.
public struct PublishedRoom: Sendable {
    public let room: RoomRecord
    public let joinedMembers: Int
}

/// The published room directory (`rooms.directory_public`) and the member counts it is ordered by.
public struct RoomDirectoryStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    public func setPublic(roomNid: Int64, _ isPublic: Bool) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE rooms SET directory_public = ? WHERE room_nid = ?",
                           arguments: [isPublic, roomNid])
        }
    }

    /// Every published room with the number of its joined members (local and remote).
    public func publishedRooms() async throws -> [PublishedRoom] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT r.room_nid, r.room_id, r.room_version, r.current_snapshot_nid, r.directory_public,
                        (SELECT COUNT(*) FROM room_members m WHERE m.room_nid = r.room_nid AND m.membership = 'join')
                            AS joined
                    FROM rooms r WHERE r.directory_public = 1
                    """
            ).map { row in
                PublishedRoom(
                    room: RoomRecord(nid: row["room_nid"], roomId: row["room_id"], version: row["room_version"],
                                     currentSnapshot: row["current_snapshot_nid"],
                                     directoryPublic: row["directory_public"]),
                    joinedMembers: row["joined"])
            }
        }
    }

    public func joinedMemberCount(roomNid: Int64) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM room_members WHERE room_nid = ? AND membership = 'join'",
                             arguments: [roomNid]) ?? 0
        }
    }
}

extension RoomEventStore {
    /// The published room directory over the same database.
    public var directory: RoomDirectoryStore { RoomDirectoryStore(database: database) }
}
