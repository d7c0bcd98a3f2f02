import GRDB

/// Which thread an event belongs to, for threaded read receipts. Relations are followed up at most
/// four hops (the spec recommends a bound; Synapse uses this one), within the room, ignoring redacted
/// events (redaction strips their relation).
extension RoomEventStore {
    static let maxRelationHops = 4

    /// The root of the thread the event is in (the event, or one it relates to, has an `m.thread`
    /// relation), or nil for the main timeline. An annotation to a thread reply is in that thread.
    public func threadId(of eventId: String, roomNid: Int64) async throws -> String? {
        try await database.read { db in
            var current = eventId
            for _ in 0..<Self.maxRelationHops {
                guard let relation = try Self.relation(db, of: current, roomNid: roomNid) else { return nil }
                if relation.type == "m.thread" { return relation.parent }
                current = relation.parent
            }
            return nil
        }
    }

    /// The thread a receipt on this event may name (Synapse's rule for receipts): follow relations up
    /// to the top-most event; if that event has thread replies, its ID, else nil (main timeline). So a
    /// thread root, its replies and anything relating to them count as in the thread.
    public func receiptThreadId(of eventId: String, roomNid: Int64) async throws -> String? {
        try await database.read { db in
            var top = eventId
            for _ in 0..<Self.maxRelationHops {
                guard let relation = try Self.relation(db, of: top, roomNid: roomNid) else { break }
                top = relation.parent
            }
            let hasReplies = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM events WHERE relates_to = ? AND rel_type = 'm.thread'
                    AND room_nid = ? AND redacted_by IS NULL)
                """, arguments: [top, roomNid]) ?? false
            return hasReplies ? top : nil
        }
    }

    private static func relation(_ db: Database, of eventId: String, roomNid: Int64) throws
        -> (parent: String, type: String)?
    {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT e.relates_to, e.rel_type FROM event_ids i JOIN events e ON e.event_nid = i.event_nid
                WHERE i.event_id = ? AND e.room_nid = ? AND e.redacted_by IS NULL
                """), arguments: [eventId, roomNid])
        else { return nil }
        let parent: String? = row["relates_to"]
        let type: String? = row["rel_type"]
        guard let parent, let type else { return nil }
        return (parent, type)
    }
}
