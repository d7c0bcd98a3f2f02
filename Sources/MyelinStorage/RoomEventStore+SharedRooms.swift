import GRDB

/// Who shares a room with whom (presence is visible to users who share a joined room).
extension RoomEventStore {
    /// Those of `candidates` who are joined to at least one room `userId` is joined to.
    public func usersSharingRoom(with userId: String, among candidates: [String]) async throws -> Set<String> {
        guard !candidates.isEmpty else { return [] }
        return try await database.read { db in
            var result = Set<String>()
            for start in stride(from: 0, to: candidates.count, by: 500) {
                let chunk = Array(candidates[start..<min(start + 500, candidates.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                var arguments: StatementArguments = [userId]
                arguments += StatementArguments(chunk)
                result.formUnion(try String.fetchAll(db, sql: """
                    SELECT DISTINCT o.user_id FROM room_members me
                        JOIN room_members o ON o.room_nid = me.room_nid
                    WHERE me.user_id = ? AND me.membership = 'join' AND o.membership = 'join'
                        AND o.user_id IN (\(marks))
                    """, arguments: arguments))
            }
            return result
        }
    }

    /// The rooms both users are joined to, by room ID.
    public func mutualRooms(_ userId: String, _ otherUserId: String) async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(db, sql: """
                SELECT r.room_id FROM room_members me
                    JOIN room_members o ON o.room_nid = me.room_nid
                    JOIN rooms r ON r.room_nid = me.room_nid
                WHERE me.user_id = ? AND me.membership = 'join' AND o.user_id = ? AND o.membership = 'join'
                ORDER BY r.room_id
                """, arguments: [userId, otherUserId])
        }
    }
}
