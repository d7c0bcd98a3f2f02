import GRDB

extension RoomEventStore {
    /// The joined members of a room that are guest accounts of this server.
    public func joinedGuests(roomNid: Int64, serverName: String) async throws -> [String] {
        try await database.read { db in
            let suffix = ":" + serverName
            return try String.fetchAll(
                db, sql: """
                    SELECT m.user_id FROM room_members m JOIN users u ON m.user_id = '@' || u.localpart || ?
                    WHERE m.room_nid = ? AND m.membership = 'join' AND u.is_guest = 1
                    """, arguments: [suffix, roomNid])
        }
    }
}
