import GRDB

/// Notifying events per local user (`push_actions`) and how far push rules have run over the room event
/// stream. Unread counts are the rows after the user's latest `m.read` or `m.read.private` receipt that
/// applies to each row's thread.
public struct PushActionStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// The room stream position up to which every event has been evaluated.
    public func progress() async throws -> Int64 {
        try await database.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT stream_pos FROM push_actions_progress WHERE id = 1")) ?? 0
        }
    }

    /// Stores the verdicts for the events up to `upTo`, applies `clears` (local senders have read up to
    /// their own event) and moves the progress on, in one transaction: a reader that sees the progress
    /// also sees its rows.
    public func record(_ rows: [PushActionWrite], clears: [PushActionClear], upTo: Int64) async throws {
        try await database.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO push_actions (user_nid, room_nid, stream_pos, thread_id, highlight)
                VALUES (?, ?, ?, ?, ?)
                """)
            for row in rows {
                try insert.execute(arguments: [row.userNid, row.roomNid, row.streamPos, row.threadId, row.highlight])
            }
            for clear in clears { try Self.clear(db, clear) }
            try db.cachedStatement(sql: """
                INSERT INTO push_actions_progress (id, stream_pos) VALUES (1, ?)
                ON CONFLICT (id) DO UPDATE SET stream_pos = MAX(stream_pos, excluded.stream_pos)
                """).execute(arguments: [upTo])
        }
    }

    /// Drops notifications the user has read (their receipt moved to `clear.upTo`). Counting looks at
    /// the receipts anyway; this keeps the table small.
    public func clear(_ clear: PushActionClear) async throws {
        try await database.write { db in try Self.clear(db, clear) }
    }

    static func clear(_ db: Database, _ clear: PushActionClear) throws {
        let base = "DELETE FROM push_actions WHERE user_nid = ? AND room_nid = ? AND stream_pos <= ?"
        let arguments: StatementArguments = [clear.userNid, clear.roomNid, clear.upTo]
        switch clear.scope {
        case .everything:
            try db.cachedStatement(sql: base).execute(arguments: arguments)
        case .mainTimeline:
            try db.cachedStatement(sql: base + " AND thread_id IS NULL").execute(arguments: arguments)
        case .thread(let root):
            try db.cachedStatement(sql: base + " AND thread_id = ?").execute(arguments: arguments + [root])
        }
    }

    /// Unread counts in a room by thread (nil: the main timeline), counting notifications at positions
    /// up to `upTo` and after the user's latest `m.read`/`m.read.private` receipt for that thread: an
    /// unthreaded receipt covers every thread, a `main` one the main timeline, a threaded one its thread.
    /// Threads with nothing unread are absent.
    public func unreadCounts(userNid: Int64, userId: String, roomNid: Int64, upTo: Int64) async throws
        -> [String?: UnreadCount]
    {
        try await database.read { db in
            var result: [String?: UnreadCount] = [:]
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT p.thread_id, COUNT(*) AS notifications, SUM(p.highlight) AS highlights
                FROM push_actions p
                WHERE p.user_nid = ? AND p.room_nid = ? AND p.stream_pos <= ?
                    AND p.stream_pos > COALESCE((
                        SELECT MAX(e.stream_pos) FROM receipts r JOIN events e ON e.event_nid = r.event_nid
                        WHERE r.room_nid = p.room_nid AND r.user_id = ?
                            AND r.receipt_type IN ('m.read', 'm.read.private')
                            AND (r.thread_id = '' OR r.thread_id = COALESCE(p.thread_id, 'main'))), 0)
                GROUP BY p.thread_id
                """), arguments: [userNid, roomNid, upTo, userId])
            for row in rows {
                let thread: String? = row["thread_id"]
                result[thread] = UnreadCount(notifications: row["notifications"], highlights: row["highlights"] ?? 0)
            }
            return result
        }
    }

    /// The local users joined to a room now (user IDs ending in `:serverName` that have an account) with
    /// their ignore lists, read together rather than one read per recipient; and the number of joined
    /// members.
    public func recipients(roomNid: Int64, serverName: String) async throws
        -> (recipients: [PushRecipient], joinedCount: Int64)
    {
        let suffix = ":" + serverName
        return try await database.read { db in
            let joined = try String.fetchAll(
                db.cachedStatement(sql: "SELECT user_id FROM room_members WHERE room_nid = ? AND membership = 'join'"),
                arguments: [roomNid])
            let lookup = try db.cachedStatement(sql: "SELECT user_nid FROM users WHERE localpart = ?")
            var recipients: [PushRecipient] = []
            for userId in joined where userId.hasPrefix("@") && userId.hasSuffix(suffix) {
                let localpart = String(userId.dropFirst().dropLast(suffix.count))
                if let nid = try Int64.fetchOne(lookup, arguments: [localpart]) {
                    recipients.append(PushRecipient(userId: userId, userNid: nid,
                                                    ignoredUsers: try AccountDataStore.ignoredUsers(db, userNid: nid)))
                }
            }
            return (recipients, Int64(joined.count))
        }
    }

    /// The NID of a local user by user ID, or nil for a remote or unknown user.
    public func localUserNid(_ userId: String, serverName: String) async throws -> Int64? {
        let suffix = ":" + serverName
        guard userId.hasPrefix("@"), userId.hasSuffix(suffix) else { return nil }
        let localpart = String(userId.dropFirst().dropLast(suffix.count))
        return try await database.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT user_nid FROM users WHERE localpart = ?"),
                               arguments: [localpart])
        }
    }
}
