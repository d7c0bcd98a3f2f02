import GRDB

/// A child event that replaces or references another (accepted, not redacted), as bundled aggregations
/// need it: which parent, what relation, and what the replacement's validity and recency depend on.
public struct RelationChildRow: Sendable {
    public let eventNid: Int64
    public let eventId: String
    public let parentId: String
    public let relType: String
    public let sender: String
    public let type: String
    public let originServerTs: Int64
}

extension RoomEventStore {
    /// The accepted, unredacted `m.replace` and `m.reference` children of `parentIds`, oldest first.
    public func replacementsAndReferences(roomNid: Int64, parentIds: [String]) async throws -> [RelationChildRow] {
        if parentIds.isEmpty { return [] }
        return try await database.read { db in
            var rows: [RelationChildRow] = []
            for start in stride(from: 0, to: parentIds.count, by: 500) {
                let part = Array(parentIds[start..<min(start + 500, parentIds.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                rows += try Row.fetchAll(db, sql: """
                    SELECT e.event_nid, i.event_id, e.relates_to, e.rel_type, e.sender, e.type, e.origin_server_ts
                    FROM events e JOIN event_ids i ON i.event_nid = e.event_nid
                    WHERE e.relates_to IN (\(marks)) AND e.rel_type IN ('m.replace', 'm.reference')
                        AND e.room_nid = ? AND e.stream_pos IS NOT NULL AND e.redacted_by IS NULL
                    ORDER BY e.stream_pos
                    """, arguments: StatementArguments(part) + [roomNid]).map { row in
                    RelationChildRow(eventNid: row[0], eventId: row[1], parentId: row[2], relType: row[3],
                                     sender: row[4], type: row[5], originServerTs: row[6])
                }
            }
            return rows
        }
    }
}
