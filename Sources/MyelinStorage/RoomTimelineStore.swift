import GRDB
import MatrixCore

/// Pages of a room's accepted events in topological order, the positions pagination tokens name, and
/// lookups by timestamp. Every query keeps `stream_pos IS NOT NULL` so the partial indexes
/// `events_topological` and `events_by_ts` serve it (only accepted events have a stream position).
extension RoomEventStore {
    /// Up to `limit` accepted events after `from` (forward) or at and before it (backward, newest
    /// first), stopping at `to` (excluded going backward, included going forward).
    public func timeline(roomNid: Int64, from: TimelinePosition, direction: TimelineDirection,
                         to: TimelinePosition? = nil, limit: Int) async throws -> [StoredEvent] {
        try await database.read { db in
            try Self.events(db, roomNid: roomNid, extraCondition: nil, extraArguments: [], from: from,
                            direction: direction, to: to, limit: limit)
        }
    }

    /// The shared page query: `extraCondition` narrows the events further (relations).
    static func events(_ db: Database, roomNid: Int64, extraCondition: String?, extraArguments: StatementArguments,
                       from: TimelinePosition, direction: TimelineDirection, to: TimelinePosition?, limit: Int)
        throws -> [StoredEvent]
    {
        var condition = "e.room_nid = ? AND e.stream_pos IS NOT NULL"
        var arguments: StatementArguments = [roomNid]
        if let extraCondition {
            condition += " AND \(extraCondition)"
            arguments += extraArguments
        }
        switch direction {
        case .backward:
            condition += " AND (e.depth, e.stream_pos) <= (?, ?)"
            arguments += [from.depth, from.stream]
            if let to {
                condition += " AND (e.depth, e.stream_pos) > (?, ?)"
                arguments += [to.depth, to.stream]
            }
        case .forward:
            condition += " AND (e.depth, e.stream_pos) > (?, ?)"
            arguments += [from.depth, from.stream]
            if let to {
                condition += " AND (e.depth, e.stream_pos) <= (?, ?)"
                arguments += [to.depth, to.stream]
            }
        }
        let order = direction == .backward ? "e.depth DESC, e.stream_pos DESC" : "e.depth ASC, e.stream_pos ASC"
        return try events(db, where: condition, arguments: arguments, orderBy: order, limit: max(0, limit))
    }

    /// The position after the room's topologically last accepted event; nil for a room without any.
    public func latestPosition(roomNid: Int64) async throws -> TimelinePosition? {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: """
                    SELECT depth, stream_pos FROM events WHERE room_nid = ? AND stream_pos IS NOT NULL
                    ORDER BY depth DESC, stream_pos DESC LIMIT 1
                    """, arguments: [roomNid]
            ).map { TimelinePosition(depth: $0["depth"], stream: $0["stream_pos"]) }
        }
    }

    /// The topological position of a stream position: after the room's latest event with a stream
    /// position at or below `stream` (sync's tokens count the global stream), or the start.
    public func position(roomNid: Int64, atStream stream: Int64) async throws -> TimelinePosition {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: """
                    SELECT depth, stream_pos FROM events WHERE room_nid = ? AND stream_pos IS NOT NULL
                        AND stream_pos <= ? ORDER BY stream_pos DESC LIMIT 1
                    """, arguments: [roomNid, stream]
            ).map { TimelinePosition(depth: $0["depth"], stream: $0["stream_pos"]) } ?? .start
        }
    }

    /// The last accepted event at or before a position (the state "at" a pagination token).
    public func lastEvent(roomNid: Int64, atOrBefore position: TimelinePosition) async throws -> StoredEvent? {
        try await timeline(roomNid: roomNid, from: position, direction: .backward, limit: 1).first
    }

    /// Accepted events ordered by `origin_server_ts` from `ts` on (forward: at or after it, oldest
    /// first; backward: at or before it, newest first), resuming after `resumeAfter` (the timestamp and
    /// stream position of the last event of the previous batch).
    public func eventsByTimestamp(roomNid: Int64, ts: Int64, direction: TimelineDirection,
                                  resumeAfter: (ts: Int64, stream: Int64)?, limit: Int) async throws -> [StoredEvent] {
        try await database.read { db in
            var condition = "e.room_nid = ? AND e.stream_pos IS NOT NULL"
            var arguments: StatementArguments = [roomNid]
            let (comparison, order) = direction == .forward
                ? (">", "e.origin_server_ts ASC, e.stream_pos ASC") : ("<", "e.origin_server_ts DESC, e.stream_pos DESC")
            condition += " AND e.origin_server_ts \(comparison)= ?"
            arguments += [ts]
            if let resumeAfter {
                condition += " AND (e.origin_server_ts, e.stream_pos) \(comparison) (?, ?)"
                arguments += [resumeAfter.ts, resumeAfter.stream]
            }
            return try Self.events(db, where: condition, arguments: arguments, orderBy: order, limit: max(0, limit))
        }
    }
}
