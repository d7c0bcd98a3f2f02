import Foundation
import GRDB

/// A local event the federation sender has yet to queue.
public struct LocalEventToSend: Sendable {
    public let streamPos: Int64
    public let eventNid: Int64
    public let roomNid: Int64
    public let type: String
    public let stateKey: String?
    public let sender: String
}

/// One queued PDU, ready to go into a transaction.
public struct QueuedPDU: Sendable {
    public let seq: Int64
    public let eventId: String
    public let json: [UInt8]
}

/// A destination's retry state.
public struct DestinationRetry: Sendable, Equatable {
    public let retryAtMs: Int64
    public let backoffMs: Int64
    public let nextTxn: Int64
}

/// Federation's own tables: inbound transaction answers, the per-destination outbox and its backoff state,
/// and how far the sender has queued the room event stream.
public struct FederationStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    // MARK: Inbound transactions

    /// The answer already given to this transaction, if it was processed.
    public func inboundResponse(origin: String, txnId: String) async throws -> [UInt8]? {
        try await database.read { db in
            try Data.fetchOne(db.cachedStatement(sql: """
                SELECT response FROM federation_inbound_txns WHERE origin = ? AND txn_id = ?
                """), arguments: [origin, txnId]).map { [UInt8]($0) }
        }
    }

    public func recordInbound(origin: String, txnId: String, response: [UInt8], nowMs: Int64) async throws {
        try await database.write { db in
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO federation_inbound_txns (origin, txn_id, response, received_ts)
                VALUES (?, ?, ?, ?)
                """).execute(arguments: [origin, txnId, Data(response), nowMs])
        }
    }

    /// Forgets answers older than `beforeMs` (a sender retries for minutes, not days).
    public func pruneInbound(beforeMs: Int64) async throws {
        try await database.write { db in
            try db.cachedStatement(sql: "DELETE FROM federation_inbound_txns WHERE received_ts < ?")
                .execute(arguments: [beforeMs])
        }
    }

    // MARK: Queuing local events

    public func senderProgress() async throws -> Int64 {
        try await database.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT stream_pos FROM federation_sender_progress WHERE id = 1")) ?? 0
        }
    }

    /// Accepted events after `after` in stream order (the caller keeps those of local senders).
    public func acceptedEvents(after: Int64, limit: Int) async throws -> [LocalEventToSend] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT e.stream_pos, e.event_nid, e.room_nid, e.type, k.state_key, e.sender
                FROM events e LEFT JOIN state_keys k ON k.state_key_nid = e.state_key_nid
                WHERE e.stream_pos > ? ORDER BY e.stream_pos LIMIT ?
                """), arguments: [after, limit]).map { row in
                LocalEventToSend(streamPos: row[0], eventNid: row[1], roomNid: row[2], type: row[3], stateKey: row[4],
                                 sender: row[5])
            }
        }
    }

    /// The users joined to a room at its current state.
    public func joinedMembers(roomNid: Int64) async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT user_id FROM room_members WHERE room_nid = ? AND membership = 'join'
                """), arguments: [roomNid])
        }
    }

    /// Queues events for destinations and (when given) moves the sender's progress, in one transaction.
    /// A destination's queue keeps at most `maxPerDestination` events: the oldest go first, since the
    /// destination fetches what it lacks with `get_missing_events` once newer events reach it.
    public func enqueue(_ items: [(destination: String, eventNid: Int64)], progress: Int64?,
                        maxPerDestination: Int) async throws {
        try await database.write { db in
            var touched: Set<String> = []
            for item in items {
                let next = (try Int64.fetchOne(db.cachedStatement(sql: """
                    SELECT MAX(seq) FROM federation_outbox WHERE destination = ?
                    """), arguments: [item.destination]) ?? 0) + 1
                try db.cachedStatement(sql: """
                    INSERT INTO federation_outbox (destination, seq, event_nid) VALUES (?, ?, ?)
                    """).execute(arguments: [item.destination, next, item.eventNid])
                touched.insert(item.destination)
            }
            for destination in touched {
                try db.cachedStatement(sql: """
                    DELETE FROM federation_outbox WHERE destination = ? AND seq <= (
                        SELECT MAX(seq) FROM federation_outbox WHERE destination = ?) - ?
                    """).execute(arguments: [destination, destination, maxPerDestination])
            }
            if let progress {
                try db.cachedStatement(sql: """
                    INSERT INTO federation_sender_progress (id, stream_pos) VALUES (1, ?)
                    ON CONFLICT (id) DO UPDATE SET stream_pos = MAX(stream_pos, excluded.stream_pos)
                    """).execute(arguments: [progress])
            }
        }
    }

    // MARK: Sending

    /// The oldest queued events of a destination, with their JSON.
    public func queued(destination: String, limit: Int) async throws -> [QueuedPDU] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT o.seq, i.event_id, e.json FROM federation_outbox o
                JOIN event_ids i ON i.event_nid = o.event_nid
                JOIN events e ON e.event_nid = o.event_nid
                WHERE o.destination = ? ORDER BY o.seq LIMIT ?
                """), arguments: [destination, limit]).map { row in
                QueuedPDU(seq: row[0], eventId: row[1], json: [UInt8](row[2] as Data))
            }
        }
    }

    /// Destinations with events waiting.
    public func destinationsWithQueuedEvents() async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT destination FROM federation_outbox")
        }
    }

    public func queuedCount(destination: String) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM federation_outbox WHERE destination = ?"),
                             arguments: [destination]) ?? 0
        }
    }

    public func retryState(destination: String) async throws -> DestinationRetry {
        try await database.read { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT retry_at_ts, backoff_ms, next_txn FROM federation_destinations WHERE destination = ?
                """), arguments: [destination])
            return DestinationRetry(retryAtMs: row?[0] ?? 0, backoffMs: row?[1] ?? 0, nextTxn: row?[2] ?? 1)
        }
    }

    /// A transaction went through: its events leave the queue, the backoff resets, the number moves on.
    public func delivered(destination: String, throughSeq: Int64, nowMs: Int64) async throws {
        try await database.write { db in
            try db.cachedStatement(sql: "DELETE FROM federation_outbox WHERE destination = ? AND seq <= ?")
                .execute(arguments: [destination, throughSeq])
            try db.cachedStatement(sql: """
                INSERT INTO federation_destinations (destination, retry_at_ts, backoff_ms, next_txn, last_success_ts)
                VALUES (?, 0, 0, 2, ?)
                ON CONFLICT (destination) DO UPDATE SET retry_at_ts = 0, backoff_ms = 0,
                    next_txn = next_txn + 1, last_success_ts = excluded.last_success_ts
                """).execute(arguments: [destination, nowMs])
        }
    }

    /// A transaction failed: wait `backoffMs` before the next try. The number moves on too: the next try
    /// may carry more events, and a destination that did process this one answers a reused ID from its
    /// cache without looking at the new events.
    public func failed(destination: String, backoffMs: Int64, retryAtMs: Int64) async throws {
        try await database.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO federation_destinations (destination, retry_at_ts, backoff_ms, next_txn) VALUES (?, ?, ?, 2)
                ON CONFLICT (destination) DO UPDATE SET retry_at_ts = excluded.retry_at_ts,
                    backoff_ms = excluded.backoff_ms, next_txn = next_txn + 1
                """).execute(arguments: [destination, retryAtMs, backoffMs])
        }
    }

    /// The destination talked to us: try it again at once. True when it was backing off.
    @discardableResult
    public func resetBackoff(destination: String) async throws -> Bool {
        try await database.write { db in
            try db.cachedStatement(sql: """
                UPDATE federation_destinations SET retry_at_ts = 0, backoff_ms = 0
                WHERE destination = ? AND backoff_ms > 0
                """).execute(arguments: [destination])
            return db.changesCount > 0
        }
    }
}
