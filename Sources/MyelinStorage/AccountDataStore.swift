import FoundationEssentials
import GRDB

/// Per-user account data, global (`room_id` = '') or per room. Content is kept as the JSON bytes the
/// client sent (already validated by the caller). Each write takes the next position of the account
/// data stream, which sync will read incrementally.
public struct AccountDataStore: Sendable {
    let database: MyelinDatabase
    /// The user NID of every write, after it commits (wakes that user's waiting syncs).
    public let changes: ChangeFeed<Int64>
    /// Caps on each user's entries; a write past them throws `QuotaExceeded` and changes nothing.
    public let quota: AccountDataQuota

    public init(database: MyelinDatabase, changes: ChangeFeed<Int64> = ChangeFeed(),
                quota: AccountDataQuota = .unlimited) {
        self.database = database
        self.changes = changes
        self.quota = quota
    }

    /// Stores `content` and returns the stream position it was written at.
    @discardableResult
    public func put(userNid: Int64, roomId: String?, type: String, content: [UInt8]) async throws -> Int64 {
        let quota = quota
        let position = try await database.write { db in
            try Self.checkQuota(db, quota, userNid: userNid, roomId: roomId, type: type, content: content)
            return try Self.upsert(db, userNid: userNid, roomId: roomId, type: type, content: content)
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

    /// Throws when writing `content` over the user's entry (roomId, type) would pass `quota`. The user's
    /// usage is summed from the table (the primary key starts with the user, and `length` of a BLOB does
    /// not read it), minus the entry being replaced, so an overwrite is not counted twice.
    static func checkQuota(_ db: Database, _ quota: AccountDataQuota, userNid: Int64, roomId: String?, type: String,
                           content: [UInt8]) throws {
        if let max = quota.maxEntryBytes, content.count > max {
            throw QuotaExceeded(.tooLarge, what: "bytes per account data entry", limit: max)
        }
        guard quota.maxEntries != nil || quota.maxTotalBytes != nil else { return }
        let usage = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT COUNT(*) FILTER (WHERE content != X'7B7D') AS entries,
                       COALESCE(SUM(length(content)), 0) AS bytes,
                       COALESCE(SUM(length(content)) FILTER (WHERE room_id = ? AND type = ?), 0) AS replaced_bytes,
                       COUNT(*) FILTER (WHERE room_id = ? AND type = ? AND content != X'7B7D') AS replaced_entries
                FROM account_data WHERE user_nid = ?
                """),
            arguments: [roomId ?? "", type, roomId ?? "", type, userNid])
        let entries: Int = usage?["entries"] ?? 0
        let bytes: Int = usage?["bytes"] ?? 0
        let replacedBytes: Int = usage?["replaced_bytes"] ?? 0
        let replacedEntries: Int = usage?["replaced_entries"] ?? 0
        let isEmpty = content == Self.emptyObject
        if let max = quota.maxEntries, !isEmpty, entries - replacedEntries + 1 > max {
            throw QuotaExceeded(.full, what: "account data entries per user", limit: max)
        }
        // Growth only: a user over the limit (after it was lowered) may still shrink or clear entries.
        if let max = quota.maxTotalBytes, content.count > replacedBytes, bytes - replacedBytes + content.count > max {
            throw QuotaExceeded(.full, what: "bytes of account data per user", limit: max)
        }
    }

    /// `{}`: the content MSC3391 uses for a deleted entry.
    static let emptyObject: [UInt8] = Array("{}".utf8)

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
