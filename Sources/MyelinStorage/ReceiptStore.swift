import GRDB

/// Read receipts, one row per (room, user, type, thread). Each stored receipt takes the next position of
/// the receipt stream inside its write transaction, and the writer is serial, so a reader that sees
/// position p also sees every receipt at or below p: "changed since p" is simply the rows above p.
public struct ReceiptStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// Stores the receipt and returns its stream position, or nil when the user's receipt of that type
    /// and thread already points at this event or a later one: receipts only move forward (as in Synapse).
    public func put(_ receipt: ReceiptWrite) async throws -> Int64? {
        try await database.write { db in
            let existing = try Int64.fetchOne(db, sql: """
                SELECT e.stream_pos FROM receipts r JOIN events e ON e.event_nid = r.event_nid
                WHERE r.room_nid = ? AND r.user_id = ? AND r.receipt_type = ? AND r.thread_id = ?
                """, arguments: [receipt.roomNid, receipt.userId, receipt.type, receipt.threadId ?? ""])
            if let existing, existing >= receipt.eventStreamPos { return nil }
            let position = (try Int64.fetchOne(db, sql: "SELECT MAX(stream_pos) FROM receipts") ?? 0) + 1
            try db.execute(
                sql: """
                    INSERT INTO receipts (room_nid, user_id, receipt_type, thread_id, event_nid, ts, stream_pos)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (room_nid, user_id, receipt_type, thread_id) DO UPDATE SET
                        event_nid = excluded.event_nid, ts = excluded.ts, stream_pos = excluded.stream_pos
                    """,
                arguments: [receipt.roomNid, receipt.userId, receipt.type, receipt.threadId ?? "", receipt.eventNid,
                            receipt.ts, position])
            return position
        }
    }

    /// The receipt stream's current position (0 before the first receipt).
    public func position() async throws -> Int64 {
        try await database.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(stream_pos) FROM receipts") ?? 0 }
    }

    /// Receipts in `roomIds` at positions in (`after`, `upTo`] (all up to `upTo` when `after` is nil), in
    /// stream order, at most `limit`. Private receipts are only those of `viewer`.
    public func receipts(roomIds: [String], viewer: String, after: Int64?, upTo: Int64, limit: Int) async throws
        -> [ReceiptRecord]
    {
        guard !roomIds.isEmpty, limit > 0 else { return [] }
        return try await database.read { db in
            var result: [ReceiptRecord] = []
            // Chunks keep the statement well under SQLite's variable limit.
            let chunks = stride(from: 0, to: roomIds.count, by: 500).map {
                Array(roomIds[$0..<min($0 + 500, roomIds.count)])
            }
            for chunk in chunks {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                var arguments: StatementArguments = [after ?? -1, upTo, viewer]
                arguments += StatementArguments(chunk)
                arguments += [limit]
                let rows = try Row.fetchAll(db, sql: """
                    SELECT rm.room_id, r.user_id, r.receipt_type, r.thread_id, i.event_id, r.ts, r.stream_pos
                    FROM receipts r JOIN rooms rm ON rm.room_nid = r.room_nid
                        JOIN event_ids i ON i.event_nid = r.event_nid
                    WHERE r.stream_pos > ? AND r.stream_pos <= ?
                        AND (r.receipt_type <> 'm.read.private' OR r.user_id = ?)
                        AND rm.room_id IN (\(marks))
                    ORDER BY r.stream_pos LIMIT ?
                    """, arguments: arguments)
                for row in rows {
                    let thread: String = row["thread_id"]
                    result.append(ReceiptRecord(
                        roomId: row["room_id"], userId: row["user_id"], type: row["receipt_type"],
                        threadId: thread.isEmpty ? nil : thread, eventId: row["event_id"], ts: row["ts"],
                        streamPos: row["stream_pos"]))
                }
            }
            guard chunks.count > 1 else { return result }
            return Array(result.sorted { $0.streamPos < $1.streamPos }.prefix(limit))
        }
    }
}
