import FoundationEssentials
import GRDB
import MatrixCore

/// Rooms, their events, state snapshots and current membership: what the room pipeline reads and the
/// one write (`persist`) through which every event enters storage.
public struct RoomEventStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    // MARK: Rooms

    /// Registers a room: its row and the empty state its first event starts from.
    public func createRoom(roomId: String, version: String, nowMs: Int64) async throws -> RoomRecord {
        try await database.write { db in
            try db.cachedStatement(sql: "INSERT INTO rooms (room_id, room_version, created_ts) VALUES (?, ?, ?)").execute(arguments: [roomId, version, nowMs])
            let nid = db.lastInsertedRowID
            let root = try StateSnapshots.createRoot(db, roomNid: nid)
            try db.cachedStatement(sql: "UPDATE rooms SET current_snapshot_nid = ? WHERE room_nid = ?").execute(arguments: [root, nid])
            return RoomRecord(nid: nid, roomId: roomId, version: version, currentSnapshot: root, directoryPublic: false)
        }
    }

    public func room(id roomId: String) async throws -> RoomRecord? {
        try await database.read { db in try Self.room(db, where: "room_id = ?", roomId) }
    }

    public func room(nid: Int64) async throws -> RoomRecord? {
        try await database.read { db in try Self.room(db, where: "room_nid = ?", nid) }
    }

    static func room(_ db: Database, where condition: String, _ value: some DatabaseValueConvertible)
        throws -> RoomRecord?
    {
        // Callers pass a handful of fixed conditions, so the prepared statements are worth keeping.
        try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT room_nid, room_id, room_version, current_snapshot_nid, directory_public FROM rooms
                WHERE \(condition)
                """), arguments: [value]
        ).map { row in
            RoomRecord(nid: row["room_nid"], roomId: row["room_id"], version: row["room_version"],
                       currentSnapshot: row["current_snapshot_nid"], directoryPublic: row["directory_public"])
        }
    }

    // MARK: Events

    static let eventColumns = """
        e.event_nid, i.event_id, e.room_nid, e.type, k.state_key, e.sender, e.depth, e.origin_server_ts,
        e.stream_pos, e.state_before_nid, e.state_after_nid, e.replaces_nid, e.status, e.rejection, e.redacted_by,
        e.relates_to, e.rel_type, e.json
        """
    static let eventJoins = """
        FROM events e JOIN event_ids i ON i.event_nid = e.event_nid
        LEFT JOIN state_keys k ON k.state_key_nid = e.state_key_nid
        """

    static func storedEvent(_ row: Row) -> StoredEvent {
        let json: Data = row["json"]
        return StoredEvent(
            nid: row["event_nid"], eventId: row["event_id"], roomNid: row["room_nid"], type: row["type"],
            stateKey: row["state_key"], sender: row["sender"], depth: row["depth"],
            originServerTs: row["origin_server_ts"], streamPos: row["stream_pos"],
            stateBefore: row["state_before_nid"], stateAfter: row["state_after_nid"], replacesNid: row["replaces_nid"],
            status: EventStatus(rawValue: row["status"]) ?? .rejected, rejection: row["rejection"],
            redactedBy: row["redacted_by"], relatesTo: row["relates_to"], relType: row["rel_type"], json: [UInt8](json))
    }

    /// Events matching an SQL condition on `e`/`i`, in the order given. `cached` keeps the prepared
    /// statement for reuse: only for SQL that does not vary between calls (no inlined lists).
    static func events(_ db: Database, where condition: String, arguments: StatementArguments = [],
                       orderBy: String = "", limit: Int? = nil, cached: Bool = false) throws -> [StoredEvent] {
        var sql = "SELECT \(eventColumns) \(eventJoins) WHERE \(condition)"
        if !orderBy.isEmpty { sql += " ORDER BY \(orderBy)" }
        if let limit { sql += " LIMIT \(limit)" }
        if cached { return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(storedEvent) }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(storedEvent)
    }

    public func event(id eventId: String) async throws -> StoredEvent? {
        try await database.read { db in try Self.events(db, where: "i.event_id = ?", arguments: [eventId], cached: true).first }
    }

    public func event(nid: Int64) async throws -> StoredEvent? {
        try await database.read { db in try Self.events(db, where: "e.event_nid = ?", arguments: [nid], cached: true).first }
    }

    /// The stored events among `ids`, by ID.
    public func events(ids: [String]) async throws -> [String: StoredEvent] {
        if ids.isEmpty { return [:] }
        return try await database.read { db in
            var found: [String: StoredEvent] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(chunk + 500, ids.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                for event in try Self.events(db, where: "i.event_id IN (\(marks))",
                                             arguments: StatementArguments(part)) {
                    found[event.eventId] = event
                }
            }
            return found
        }
    }

    public func events(nids: [Int64]) async throws -> [Int64: StoredEvent] {
        if nids.isEmpty { return [:] }
        return try await database.read { db in
            var found: [Int64: StoredEvent] = [:]
            for chunk in stride(from: 0, to: nids.count, by: 500) {
                let list = nids[chunk..<min(chunk + 500, nids.count)].map(String.init).joined(separator: ",")
                for event in try Self.events(db, where: "e.event_nid IN (\(list))") { found[event.nid] = event }
            }
            return found
        }
    }

    /// The room's forward extremities, deepest first.
    public func forwardExtremities(roomNid: Int64) async throws -> [StoredEvent] {
        try await database.read { db in try Self.forwardExtremities(db, roomNid: roomNid) }
    }

    static func forwardExtremities(_ db: Database, roomNid: Int64) throws -> [StoredEvent] {
        try events(db, where: "e.event_nid IN (SELECT event_nid FROM forward_extremities WHERE room_nid = ?)",
                   arguments: [roomNid], orderBy: "e.depth DESC, e.event_nid DESC", cached: true)
    }

    /// The event a device sent with this transaction ID, if any.
    public func transactionEvent(_ key: TransactionKey) async throws -> String? {
        try await database.read { db in try Self.transactionEvent(db, key) }
    }

    static func transactionEvent(_ db: Database, _ key: TransactionKey) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: """
                SELECT i.event_id FROM event_txns t JOIN event_ids i ON i.event_nid = t.event_nid
                WHERE t.user_nid = ? AND t.device_id = ? AND t.txn_id = ?
                """), arguments: [key.userNid, key.deviceId, key.txnId])
    }

    /// The transaction ID the given device sent these events with, for `unsigned.transaction_id`.
    public func transactionIds(eventNids: [Int64], userNid: Int64, deviceId: String) async throws -> [Int64: String] {
        if eventNids.isEmpty { return [:] }
        return try await database.read { db in
            let list = eventNids.map(String.init).joined(separator: ",")
            var result: [Int64: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT event_nid, txn_id FROM event_txns WHERE event_nid IN (\(list)) AND user_nid = ? AND device_id = ?",
                arguments: [userNid, deviceId]) {
                result[row["event_nid"]] = row["txn_id"]
            }
            return result
        }
    }

    // MARK: State

    /// A snapshot's full state as event IDs.
    public func state(snapshot: Int64) async throws -> [StateTuple: String] {
        try await database.read { db in try Self.stateIds(db, try StateSnapshots.load(db, snapshot)) }
    }

    /// The given keys of a snapshot (those present).
    public func state(snapshot: Int64, tuples: [StateTuple]) async throws -> [StateTuple: String] {
        try await database.read { db in try Self.state(db, snapshot: snapshot, tuples: tuples) }
    }

    static func state(_ db: Database, snapshot: Int64, tuples: [StateTuple]) throws -> [StateTuple: String] {
        let keys = try NumericIDs.stateKeyNids(db, tuples)
        if keys.isEmpty { return [:] }
        return try stateIds(db, try StateSnapshots.lookup(db, snapshot, keys: Array(keys.values)))
    }

    /// A snapshot's state keys of one type (all members, say), as state key → event ID.
    public func state(snapshot: Int64, type: String) async throws -> [String: String] {
        try await database.read { db in
            let keys = try Int64.fetchAll(db.cachedStatement(sql: "SELECT state_key_nid FROM state_keys WHERE type = ?"),
                                          arguments: [type])
            // Loading the whole snapshot is cheaper than a huge IN list when most keys are of this type.
            let state = keys.count > 200
                ? try StateSnapshots.load(db, snapshot) : try StateSnapshots.lookup(db, snapshot, keys: keys)
            var result: [String: String] = [:]
            for (tuple, id) in try Self.stateIds(db, state) where tuple.type == type { result[tuple.stateKey] = id }
            return result
        }
    }

    static func stateIds(_ db: Database, _ state: [Int64: Int64]) throws -> [StateTuple: String] {
        if state.isEmpty { return [:] }
        var tuples: [Int64: StateTuple] = [:]
        var ids: [Int64: String] = [:]
        let keyList = state.keys.map(String.init).joined(separator: ",")
        for row in try Row.fetchAll(db, sql: "SELECT state_key_nid, type, state_key FROM state_keys WHERE state_key_nid IN (\(keyList))") {
            tuples[row["state_key_nid"]] = StateTuple(type: row["type"], stateKey: row["state_key"])
        }
        let eventList = Set(state.values).map(String.init).joined(separator: ",")
        for row in try Row.fetchAll(db, sql: "SELECT event_nid, event_id FROM event_ids WHERE event_nid IN (\(eventList))") {
            ids[row["event_nid"]] = row["event_id"]
        }
        var result: [StateTuple: String] = [:]
        for (key, event) in state {
            guard let tuple = tuples[key], let id = ids[event] else {
                throw StorageError.corrupt("state entry (\(key), \(event)) names an unknown key or event")
            }
            result[tuple] = id
        }
        return result
    }

    /// A new snapshot: `from` with `changes` (event IDs; nil removes a key). For the state before an
    /// event with several prev events, once resolution has produced it.
    public func deriveSnapshot(roomNid: Int64, from: Int64, changes: [StateTuple: String?]) async throws -> Int64 {
        try await database.write { db in
            var nidChanges: [Int64: Int64?] = [:]
            for (tuple, eventId) in changes {
                guard let key = try NumericIDs.stateKey(db, tuple, create: true) else { continue }
                nidChanges[key] = try eventId.flatMap { try NumericIDs.event(db, $0, create: true) }
            }
            return try StateSnapshots.derive(db, roomNid: roomNid, from: from, changes: nidChanges)
        }
    }

    // MARK: Membership

    /// A user's current membership of a room and the event that set it.
    public func membership(roomNid: Int64, userId: String) async throws -> (membership: String, eventNid: Int64)? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT membership, event_nid FROM room_members WHERE room_nid = ? AND user_id = ?"),
                             arguments: [roomNid, userId]).map { ($0["membership"], $0["event_nid"]) }
        }
    }

    /// Room IDs where the user's current membership is `membership`.
    public func rooms(of userId: String, membership: String) async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(
                db, sql: """
                    SELECT r.room_id FROM room_members m JOIN rooms r ON r.room_nid = m.room_nid
                    WHERE m.user_id = ? AND m.membership = ? ORDER BY m.stream_pos
                    """, arguments: [userId, membership])
        }
    }

    /// Current members of a room with the given membership, as user ID → member event NID.
    public func members(roomNid: Int64, membership: String) async throws -> [String: Int64] {
        try await database.read { db in
            var result: [String: Int64] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT user_id, event_nid FROM room_members WHERE room_nid = ? AND membership = ?"),
                                        arguments: [roomNid, membership]) {
                result[row["user_id"]] = row["event_nid"]
            }
            return result
        }
    }

    /// Hides a left room from the user (`/forget`); a later membership change shows it again.
    public func forget(roomNid: Int64, userId: String) async throws {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE room_members SET forgotten = 1 WHERE room_nid = ? AND user_id = ?").execute(arguments: [roomNid, userId])
        }
    }

    public func isForgotten(roomNid: Int64, userId: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT forgotten FROM room_members WHERE room_nid = ? AND user_id = ?"),
                              arguments: [roomNid, userId]) ?? false
        }
    }

    // MARK: Writing

    /// Persists one event with its edges, state, extremities, membership and transaction ID, atomically.
    public func persist(_ write: EventWrite) async throws -> PersistedEvent {
        try await database.write { db in try Self.persist(db, write) }
    }

    static func persist(_ db: Database, _ write: EventWrite) throws -> PersistedEvent {
        guard let nid = try NumericIDs.event(db, write.eventId, create: true) else {
            throw StorageError.corrupt("no NID for \(write.eventId)")
        }
        var stateKeyNid: Int64? = nil
        if let stateKey = write.stateKey {
            stateKeyNid = try NumericIDs.stateKey(db, StateTuple(type: write.type, stateKey: stateKey), create: true)
        }
        var replaces: Int64? = nil
        var stateAfter = write.stateBefore
        if let key = stateKeyNid, let before = write.stateBefore {
            replaces = try StateSnapshots.lookup(db, before, keys: [key])[key]
            if write.addsToState {
                stateAfter = try StateSnapshots.derive(db, roomNid: write.roomNid, from: before, changes: [key: nid])
            }
        }
        var streamPos: Int64? = nil
        if write.status == .accepted, write.backfilled {
            streamPos = min(try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(stream_pos) FROM events")) ?? 0, 0) - 1
        } else if write.status == .accepted {
            streamPos = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(stream_pos) FROM events")) ?? 0) + 1
        }
        try db.execute(
            sql: """
                INSERT INTO events (event_nid, room_nid, type, state_key_nid, sender, depth, origin_server_ts,
                    received_ts, stream_pos, state_before_nid, state_after_nid, replaces_nid, status, rejection,
                    redacts, relates_to, rel_type, json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [nid, write.roomNid, write.type, stateKeyNid, write.sender, write.depth, write.originServerTs,
                        write.receivedTs, streamPos, write.stateBefore, stateAfter, replaces, write.status.rawValue,
                        write.rejection, write.status == .accepted ? write.redacts : nil, write.relatesTo,
                        write.relType, Data(write.json)])
        for prev in Set(write.prevEvents) {
            guard let prevNid = try NumericIDs.event(db, prev, create: true) else { continue }
            try db.cachedStatement(sql: "INSERT INTO event_edges (event_nid, prev_nid) VALUES (?, ?)").execute(arguments: [nid, prevNid])
        }
        for auth in Set(write.authEvents) {
            guard let authNid = try NumericIDs.event(db, auth, create: true) else { continue }
            try db.cachedStatement(sql: "INSERT INTO event_auth_edges (event_nid, auth_nid) VALUES (?, ?)").execute(arguments: [nid, authNid])
        }
        if let txn = write.transaction {
            try db.execute(
                sql: "INSERT OR IGNORE INTO event_txns (user_nid, device_id, txn_id, event_nid) VALUES (?, ?, ?, ?)",
                arguments: [txn.userNid, txn.deviceId, txn.txnId, nid])
        }
        if write.status == .accepted || write.status == .softFailed {
            try applyRedactions(db, write: write, nid: nid)
        }
        try updateCurrentState(db, write: write, nid: nid, stateAfter: stateAfter, streamPos: streamPos)
        return PersistedEvent(nid: nid, streamPos: streamPos, stateAfter: stateAfter)
    }

    /// Marks the target of an accepted redaction, or this event when a redaction of it came first.
    private static func applyRedactions(_ db: Database, write: EventWrite, nid: Int64) throws {
        if write.status == .accepted, let target = write.redacts {
            try db.execute(
                sql: """
                    UPDATE events SET redacted_by = ?, redacted_ts = ?
                    WHERE event_nid = (SELECT event_nid FROM event_ids WHERE event_id = ?) AND room_nid = ?
                        AND redacted_by IS NULL
                    """, arguments: [nid, write.receivedTs, target, write.roomNid])
        }
        if let earlier = try Int64.fetchOne(db.cachedStatement(sql: "SELECT event_nid FROM events WHERE redacts = ? AND room_nid = ? AND status = 0 LIMIT 1"),
            arguments: [write.eventId, write.roomNid]) {
            try db.cachedStatement(sql: "UPDATE events SET redacted_by = ?, redacted_ts = ? WHERE event_nid = ?").execute(arguments: [earlier, write.receivedTs, nid])
        }
    }

    private static func updateCurrentState(_ db: Database, write: EventWrite, nid: Int64, stateAfter: Int64?,
                                           streamPos: Int64?) throws {
        let extremities: [String]
        let memberships: [MembershipWrite]
        switch write.currentState {
        case .unchanged:
            return
        case .stateAfterEvent(let newExtremities, let changes):
            extremities = newExtremities
            memberships = changes
            if let stateAfter {
                try db.cachedStatement(sql: "UPDATE rooms SET current_snapshot_nid = ? WHERE room_nid = ?").execute(arguments: [stateAfter, write.roomNid])
            }
        case .resolved(let newExtremities, let changes, let changedMembers):
            extremities = newExtremities
            memberships = changedMembers
            guard let current = try Int64.fetchOne(db.cachedStatement(sql: "SELECT current_snapshot_nid FROM rooms WHERE room_nid = ?"), arguments: [write.roomNid])
            else { throw StorageError.corrupt("room \(write.roomNid) has no current state") }
            var nidChanges: [Int64: Int64?] = [:]
            for (tuple, eventId) in changes {
                guard let key = try NumericIDs.stateKey(db, tuple, create: true) else { continue }
                nidChanges[key] = try eventId.flatMap { try NumericIDs.event(db, $0, create: true) }
            }
            let snapshot = try StateSnapshots.derive(db, roomNid: write.roomNid, from: current, changes: nidChanges)
            try db.cachedStatement(sql: "UPDATE rooms SET current_snapshot_nid = ? WHERE room_nid = ?").execute(arguments: [snapshot, write.roomNid])
        }
        try db.cachedStatement(sql: "DELETE FROM forward_extremities WHERE room_nid = ?").execute(arguments: [write.roomNid])
        for extremity in Set(extremities) {
            guard let extremityNid = try NumericIDs.event(db, extremity, create: true) else { continue }
            try db.cachedStatement(sql: "INSERT INTO forward_extremities (room_nid, event_nid) VALUES (?, ?)").execute(arguments: [write.roomNid, extremityNid])
        }
        for member in memberships {
            guard let memberNid = try NumericIDs.event(db, member.eventId, create: true) else { continue }
            try db.execute(
                sql: """
                    INSERT INTO room_members (room_nid, user_id, membership, event_nid, stream_pos, forgotten)
                    VALUES (?, ?, ?, ?, ?, 0)
                    ON CONFLICT (room_nid, user_id) DO UPDATE SET membership = excluded.membership,
                        event_nid = excluded.event_nid, stream_pos = excluded.stream_pos, forgotten = 0
                    """, arguments: [write.roomNid, member.userId, member.membership, memberNid, streamPos])
        }
    }
}
