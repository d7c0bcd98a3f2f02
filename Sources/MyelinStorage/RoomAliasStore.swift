import GRDB

/// A local room alias and the room it points to.
public struct RoomAliasRecord: Sendable, Equatable {
    public let alias: String
    public let roomNid: Int64
    public let roomId: String
    /// The user who created the mapping (may delete it without power in the room).
    public let creator: String
}

/// The local room alias directory (`room_aliases`): which of this server's aliases point where.
public struct RoomAliasStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// Maps `alias` to the room; false when the alias is already taken (nothing is changed then).
    public func create(alias: String, roomNid: Int64, creator: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO room_aliases (alias, room_nid, creator) VALUES (?, ?, ?)",
                           arguments: [alias, roomNid, creator])
            return db.changesCount > 0
        }
    }

    public func alias(_ alias: String) async throws -> RoomAliasRecord? {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: """
                    SELECT a.alias, a.room_nid, r.room_id, a.creator FROM room_aliases a
                    JOIN rooms r ON r.room_nid = a.room_nid WHERE a.alias = ?
                    """, arguments: [alias]
            ).map { RoomAliasRecord(alias: $0["alias"], roomNid: $0["room_nid"], roomId: $0["room_id"],
                                    creator: $0["creator"]) }
        }
    }

    /// Removes the mapping; false when there was none.
    public func delete(alias: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM room_aliases WHERE alias = ?", arguments: [alias])
            return db.changesCount > 0
        }
    }

    /// The local aliases of a room, sorted.
    public func aliases(roomNid: Int64) async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT alias FROM room_aliases WHERE room_nid = ? ORDER BY alias",
                                arguments: [roomNid])
        }
    }

    /// Points every alias of one room at another (a room upgrade); returns the aliases moved.
    public func move(fromRoomNid: Int64, toRoomNid: Int64) async throws -> [String] {
        try await database.write { db in
            let moved = try String.fetchAll(db, sql: "SELECT alias FROM room_aliases WHERE room_nid = ? ORDER BY alias",
                                            arguments: [fromRoomNid])
            try db.execute(sql: "UPDATE room_aliases SET room_nid = ? WHERE room_nid = ?",
                           arguments: [toRoomNid, fromRoomNid])
            return moved
        }
    }
}

extension RoomEventStore {
    /// The alias directory over the same database.
    public var aliases: RoomAliasStore { RoomAliasStore(database: database) }
}
