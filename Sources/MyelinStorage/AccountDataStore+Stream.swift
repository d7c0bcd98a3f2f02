import FoundationEssentials
import GRDB

/// One account data entry as it changed: sync sends the newest content of each changed entry.
public struct AccountDataChange: Sendable, Equatable {
    /// Nil for global account data.
    public let roomId: String?
    public let type: String
    public let content: [UInt8]
    public let streamPos: Int64
}

/// The account data stream, for sync: every write takes the next position (see `upsert`), and a
/// rewritten entry moves to its new position, so "what changed after p" is one range read.
extension AccountDataStore {
    /// The user's entries written after `after` and at or before `upTo`, oldest first, at most `limit`.
    /// A caller that gets `limit` entries continues from the last one's `streamPos`.
    public func changes(userNid: Int64, after: Int64, upTo: Int64, limit: Int = 1000) async throws
        -> [AccountDataChange]
    {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT room_id, type, content, stream_pos FROM account_data
                    WHERE user_nid = ? AND stream_pos > ? AND stream_pos <= ? ORDER BY stream_pos LIMIT ?
                    """,
                arguments: [userNid, after, upTo, limit]
            ).map { row in
                let room: String = row["room_id"]
                let content: Data = row["content"]
                return AccountDataChange(roomId: room.isEmpty ? nil : room, type: row["type"],
                                         content: [UInt8](content), streamPos: row["stream_pos"])
            }
        }
    }
}
