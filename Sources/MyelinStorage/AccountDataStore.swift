import FoundationEssentials
import GRDB

/// Per-user account data, global (`room_id` = '') or per room. Content is kept as the JSON bytes the
/// client sent (already validated by the caller). Each write takes the next position of the account
/// data stream, which sync will read incrementally.
public struct AccountDataStore: Sendable {
    let database: MyelinDatabase
    /// The user NID of every write, after it commits (wakes that user's waiting syncs).
    public let changes: ChangeFeed<Int64>

    public init(database: MyelinDatabase, changes: ChangeFeed<Int64> = ChangeFeed()) {
        self.database = database
        self.changes = changes
    }

    /// Stores `content` and returns the stream position it was written at.
    @discardableResult
    public func put(userNid: Int64, roomId: String?, type: String, content: [UInt8]) async throws -> Int64 {
        let position = try await database.write { db in
            try Self.upsert(db, userNid: userNid, roomId: roomId, type: type, content: content)
        }
        await changes.publish(userNid)
        return position
    }

    /// Writes one entry at the next stream position, inside the caller's write transaction.
    static func upsert(_ db: Database, userNid: Int64, roomId: String?, type: String, content: [UInt8]) throws
        -> Int64
    {
        let position = (try Int64.fetchOne(db, sql: "SELECT MAX(stream_pos) FROM account_data") ?? 0) + 1
        try db.execute(
            sql: """
                INSERT INTO account_data (user_nid, room_id, type, content, stream_pos) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (user_nid, room_id, type) DO UPDATE SET content = excluded.content,
                    stream_pos = excluded.stream_pos
                """,
            arguments: [userNid, roomId ?? "", type, Data(content), position])
        return position
    }

    public func get(userNid: Int64, roomId: String?, type: String) async throws -> [UInt8]? {
        try await database.read { db in try Self.get(db, userNid: userNid, roomId: roomId, type: type) }
    }

    static func get(_ db: Database, userNid: Int64, roomId: String?, type: String) throws -> [UInt8]? {
        try Data.fetchOne(
            db.cachedStatement(sql: "SELECT content FROM account_data WHERE user_nid = ? AND room_id = ? AND type = ?"),
            arguments: [userNid, roomId ?? "", type]
        ).map { [UInt8]($0) }
    }

    /// All account data of a user as (roomId or nil, type, content), for sync and export.
    public func all(userNid: Int64) async throws -> [(roomId: String?, type: String, content: [UInt8])] {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT room_id, type, content FROM account_data WHERE user_nid = ?",
                             arguments: [userNid]).map { row -> AccountDataEntry in
                let room: String = row["room_id"]
                let content: Data = row["content"]
                return AccountDataEntry(roomId: room.isEmpty ? nil : room, type: row["type"], content: [UInt8](content))
            }
        }
        return rows.map { ($0.roomId, $0.type, $0.content) }
    }
}

struct AccountDataEntry: Sendable {
    let roomId: String?
    let type: String
    let content: [UInt8]
}
