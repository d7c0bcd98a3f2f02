import FoundationEssentials
import GRDB

/// Erasing the content of redacted events once the retention delay has passed.
extension RoomEventStore {
    public struct PrunableEvent: Sendable {
        public let nid: Int64
        public let eventId: String
        public let roomVersion: String
        public let json: [UInt8]
    }

    /// Redacted events whose redaction is older than `beforeMs` and whose JSON still holds the content.
    public func redactedEventsDue(beforeMs: Int64, limit: Int) async throws -> [PrunableEvent] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT e.event_nid, i.event_id, r.room_version, e.json FROM events e
                    JOIN event_ids i ON i.event_nid = e.event_nid JOIN rooms r ON r.room_nid = e.room_nid
                    WHERE e.redacted_ts IS NOT NULL AND e.pruned = 0 AND e.redacted_ts <= ?
                    ORDER BY e.redacted_ts LIMIT ?
                    """, arguments: [beforeMs, limit]
            ).map { row in
                let json: Data = row["json"]
                return PrunableEvent(nid: row["event_nid"], eventId: row["event_id"], roomVersion: row["room_version"],
                                     json: [UInt8](json))
            }
        }
    }

    /// Replaces an event's stored JSON by its redacted form.
    public func storePruned(nid: Int64, json: [UInt8]) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE events SET json = ?, pruned = 1 WHERE event_nid = ?", arguments: [Data(json), nid])
        }
    }
}
