import GRDB

/// Reading the local alias table for joins and knocks by alias. The alias endpoints (another file) own
/// writing it; this is the one read membership needs.
extension RoomEventStore {
    /// The room ID a local alias points to, or nil when the alias is not in the table.
    public func roomIdForAlias(_ alias: String) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(
                db, sql: """
                    SELECT r.room_id FROM room_aliases a JOIN rooms r ON r.room_nid = a.room_nid WHERE a.alias = ?
                    """, arguments: [alias])
        }
    }
}
