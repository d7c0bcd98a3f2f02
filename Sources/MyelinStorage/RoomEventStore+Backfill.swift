import GRDB

extension RoomEventStore {
    /// The room's topologically first accepted events (the edge of what we hold, where backfill starts),
    /// with the state before the first of them.
    public func historyEdge(roomNid: Int64, count: Int) async throws -> (events: [StoredEvent], stateBefore: Int64?) {
        try await database.read { db in
            let events = try Self.events(
                db, where: "e.room_nid = ? AND e.stream_pos IS NOT NULL", arguments: [roomNid],
                orderBy: "e.depth ASC, e.stream_pos ASC", limit: count)
            return (events, events.first?.stateBefore)
        }
    }
}
