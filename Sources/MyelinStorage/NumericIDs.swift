import GRDB
import MatrixCore

/// Small integer IDs for event IDs and `(type, state_key)` pairs, so the big tables hold integers.
enum NumericIDs {
    /// The NID of `eventId`, allocating one when `create` (an event may be named before it is known).
    static func event(_ db: Database, _ eventId: String, create: Bool) throws -> Int64? {
        if let nid = try Int64.fetchOne(db.cachedStatement(sql: "SELECT event_nid FROM event_ids WHERE event_id = ?"),
                                        arguments: [eventId]) {
            return nid
        }
        guard create else { return nil }
        try db.cachedStatement(sql: "INSERT INTO event_ids (event_id) VALUES (?)").execute(arguments: [eventId])
        return db.lastInsertedRowID
    }

    static func stateKey(_ db: Database, _ tuple: StateTuple, create: Bool) throws -> Int64? {
        if let nid = try Int64.fetchOne(db.cachedStatement(sql: "SELECT state_key_nid FROM state_keys WHERE type = ? AND state_key = ?"),
            arguments: [tuple.type, tuple.stateKey]) {
            return nid
        }
        guard create else { return nil }
        try db.cachedStatement(sql: "INSERT INTO state_keys (type, state_key) VALUES (?, ?)").execute(arguments: [tuple.type, tuple.stateKey])
        return db.lastInsertedRowID
    }

    static func stateKeyNids(_ db: Database, _ tuples: [StateTuple]) throws -> [StateTuple: Int64] {
        var result: [StateTuple: Int64] = [:]
        for tuple in tuples { result[tuple] = try stateKey(db, tuple, create: false) }
        return result
    }
}
