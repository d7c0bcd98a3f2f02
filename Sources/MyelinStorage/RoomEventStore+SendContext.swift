import GRDB
import MatrixCore

/// What building a local event needs, read in one go: each separate read is a hop between threads,
/// and those hops, not SQLite, dominated the cost of sending a message.
public struct SendContext: Sendable {
    public let room: RoomRecord
    /// The event this transaction ID already produced, if any.
    public let earlierEvent: String?
    /// Deepest first.
    public let extremities: [StoredEvent]
    /// The requested keys of current state (those present), as event IDs.
    public let state: [StateTuple: String]
}

extension RoomEventStore {
    /// Nil when the room is unknown.
    public func sendContext(roomId: String, transaction: TransactionKey?, tuples: [StateTuple]) async throws
        -> SendContext?
    {
        try await database.read { db in
            guard let room = try Self.room(db, where: "room_id = ?", roomId), let current = room.currentSnapshot else {
                return nil
            }
            if let transaction, let earlier = try Self.transactionEvent(db, transaction) {
                return SendContext(room: room, earlierEvent: earlier, extremities: [], state: [:])
            }
            return SendContext(room: room, earlierEvent: nil,
                               extremities: try Self.forwardExtremities(db, roomNid: room.nid),
                               state: try Self.state(db, snapshot: current, tuples: tuples))
        }
    }
}
