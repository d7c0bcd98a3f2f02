import FoundationEssentials
import GRDB
import MatrixCore

/// The reads behind the federation API's room event endpoints (server-server API "Retrieving
/// events", "Backfilling and retrieving missing events", "Retrieving event authorisation
/// information"): who may read, auth chains, the state before an event, and the backfill and
/// missing-event walks. Each request is one read (a read is a hop between threads); the walks are
/// loops over prepared statements, bounded by the limits their callers pass.
extension RoomEventStore {
    // MARK: Access

    /// The room and what deciding `server`'s access to it needs, with the event `eventId` when it is
    /// stored in this room. Nil for an unknown room.
    public func federationAccess(roomId: String, server: String, eventId: String? = nil) async throws
        -> FederationRoomAccess?
    {
        try await database.read { db in
            guard let room = try Self.room(db, where: "room_id = ?", roomId) else { return nil }
            var event: StoredEvent? = nil
            if let eventId {
                event = try Self.events(db, where: "i.event_id = ? AND e.room_nid = ?", arguments: [eventId, room.nid],
                                        cached: true).first
            }
            return try Self.access(db, room: room, server: server, event: event)
        }
    }

    /// An event by ID with its room's access facts and `server`'s visibility state before it; nil when
    /// the event is not stored.
    public func servableEvent(id eventId: String, server: String) async throws -> ServableEvent? {
        try await database.read { db in
            guard let event = try Self.events(db, where: "i.event_id = ?", arguments: [eventId], cached: true).first,
                let room = try Self.room(db, where: "room_nid = ?", event.roomNid)
            else { return nil }
            let access = try Self.access(db, room: room, server: server, event: event)
            var visibility: ServerVisibilityState? = nil
            if let snapshot = event.stateBefore {
                visibility = try Self.serverVisibility(db, roomNid: room.nid, server: server, snapshots: [snapshot])[snapshot]
            }
            return ServableEvent(access: access, event: event, visibility: visibility)
        }
    }

    static func access(_ db: Database, room: RoomRecord, server: String, event: StoredEvent?) throws
        -> FederationRoomAccess
    {
        // The domain is everything after a user ID's first colon; comparing it whole (not a LIKE on a
        // suffix) keeps `host:8448` and `8448` apart.
        let joined = try Bool.fetchOne(
            db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM room_members WHERE room_nid = ? AND membership = 'join'
                    AND substr(user_id, instr(user_id, ':') + 1) = ?)
                """), arguments: [room.nid, server]) ?? false
        var acl: StoredEvent? = nil
        if let current = room.currentSnapshot,
            let key = try NumericIDs.stateKey(db, StateTuple(type: "m.room.server_acl", stateKey: ""), create: false),
            let nid = try StateSnapshots.lookup(db, current, keys: [key])[key]
        {
            acl = try events(db, where: "e.event_nid = ?", arguments: [nid], cached: true).first
        }
        return FederationRoomAccess(room: room, serverJoined: joined, serverACL: acl, event: event)
    }

    // MARK: History visibility for servers

    /// For each snapshot, its history visibility and, where that is `joined` or `invited`, the
    /// memberships of `server`'s users in it.
    static func serverVisibility(_ db: Database, roomNid: Int64, server: String, snapshots: Set<Int64>) throws
        -> [Int64: ServerVisibilityState]
    {
        if snapshots.isEmpty { return [:] }
        let visibilityKey = try NumericIDs.stateKey(
            db, StateTuple(type: "m.room.history_visibility", stateKey: ""), create: false)
        var byEvent: [Int64: HistoryVisibility] = [:]
        var visibilityAt: [Int64: HistoryVisibility] = [:]
        for snapshot in snapshots {
            guard let key = visibilityKey, let nid = try StateSnapshots.lookup(db, snapshot, keys: [key])[key] else {
                visibilityAt[snapshot] = .shared
                continue
            }
            if byEvent[nid] == nil { byEvent[nid] = HistoryVisibility(content: try content(db, eventNid: nid)) }
            visibilityAt[snapshot] = byEvent[nid]
        }
        var membersAt: [Int64: [String: Membership]] = [:]
        let restricted = visibilityAt.filter { $0.value == .joined || $0.value == .invited }.map(\.key)
        if !restricted.isEmpty {
            let users = try serverMemberKeys(db, roomNid: roomNid, server: server)
            var membershipOf: [Int64: Membership] = [:]
            for snapshot in restricted where !users.isEmpty {
                var members: [String: Membership] = [:]
                for (key, nid) in try StateSnapshots.lookup(db, snapshot, keys: Array(users.keys)) {
                    guard let user = users[key] else { continue }
                    if membershipOf[nid] == nil {
                        let value = try content(db, eventNid: nid)?["membership"]?.stringValue
                        membershipOf[nid] = value.flatMap(Membership.init(rawValue:)) ?? .leave
                    }
                    members[user] = membershipOf[nid]
                }
                membersAt[snapshot] = members
            }
        }
        var result: [Int64: ServerVisibilityState] = [:]
        for (snapshot, visibility) in visibilityAt {
            result[snapshot] = ServerVisibilityState(historyVisibility: visibility, memberships: membersAt[snapshot] ?? [:])
        }
        return result
    }

    /// The member state keys of `server`'s users in the room, as state key NID → user ID. Read from
    /// the current members, not from every state key of the server's users (that table spans all
    /// rooms): a member key almost never leaves a room's state once in it, as resolution keeps the keys
    /// its branches have. A user only an older state names is missed, which can hide an event from
    /// the server, never show it.
    private static func serverMemberKeys(_ db: Database, roomNid: Int64, server: String) throws -> [Int64: String] {
        var keys: [Int64: String] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT k.state_key_nid, k.state_key FROM room_members m
                JOIN state_keys k ON k.type = 'm.room.member' AND k.state_key = m.user_id
                WHERE m.room_nid = ? AND substr(m.user_id, instr(m.user_id, ':') + 1) = ?
                """), arguments: [roomNid, server]) {
            keys[row["state_key_nid"]] = row["state_key"]
        }
        return keys
    }

    /// The `content` of a stored event (as stored: redaction keeps what visibility reads).
    private static func content(_ db: Database, eventNid: Int64) throws -> JSONObject? {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT json FROM events WHERE event_nid = ?"),
                                           arguments: [eventNid])
        else { return nil }
        guard case .object(let json)? = try? JSONParser.parse([UInt8](data)) else {
            throw StorageError.corrupt("event \(eventNid) is not a JSON object")
        }
        return json["content"]?.objectValue
    }

    // MARK: Auth chains and state

    /// The state before `event` (its `stateBefore` snapshot) and that state's auth chain, as event IDs.
    /// `impliedAuthEvent`: see `authChain`. More than `limit` IDs in all: `.tooLarge`.
    public func stateIds(before event: StoredEvent, impliedAuthEvent: String?, limit: Int) async throws
        -> BoundedResult<StateWithAuthChain<String>>?
    {
        try await stateWithAuthChain(before: event, impliedAuthEvent: impliedAuthEvent, limit: limit) { _, node in
            node.eventId
        }
    }

    /// As `stateIds`, with the stored events.
    public func stateEvents(before event: StoredEvent, impliedAuthEvent: String?, limit: Int) async throws
        -> BoundedResult<StateWithAuthChain<StoredEvent>>?
    {
        try await stateWithAuthChain(before: event, impliedAuthEvent: impliedAuthEvent, limit: limit) { db, node in
            try Self.storedEvent(db, nid: node.nid)
        }
    }

    /// Nil when the event has no state before it (an outlier).
    private func stateWithAuthChain<Item: Sendable>(
        before event: StoredEvent, impliedAuthEvent: String?, limit: Int,
        item: @escaping @Sendable (Database, DAGNode) throws -> Item
    ) async throws -> BoundedResult<StateWithAuthChain<Item>>? {
        guard let snapshot = event.stateBefore else { return nil }
        let roomNid = event.roomNid
        return try await database.read { db in
            let stateNids = Array(Set(try StateSnapshots.load(db, snapshot).values))
            if stateNids.count > limit { return .tooLarge(atLeast: stateNids.count) }
            let implied = try impliedAuthEvent.flatMap { try NumericIDs.event(db, $0, create: false) }
            guard let chain = try Self.authChain(db, from: stateNids, roomNid: roomNid, impliedAuthEvent: implied,
                                                 limit: limit - stateNids.count)
            else { return .tooLarge(atLeast: limit + 1) }
            let state = try Self.nodes(db, stateNids).sorted(by: DAGNode.oldestFirst)
            return .found(StateWithAuthChain(state: try state.map { try item(db, $0) },
                                             authChain: try chain.map { try item(db, $0) }))
        }
    }

    /// The auth chain of one event (its auth events and theirs, recursively), oldest first.
    public func authChainEvents(of event: StoredEvent, impliedAuthEvent: String?, limit: Int) async throws
        -> BoundedResult<[StoredEvent]>
    {
        try await database.read { db in
            let implied = try impliedAuthEvent.flatMap { try NumericIDs.event(db, $0, create: false) }
            guard let chain = try Self.authChain(db, from: [event.nid], roomNid: event.roomNid,
                                                 impliedAuthEvent: implied, limit: limit)
            else { return .tooLarge(atLeast: limit + 1) }
            return .found(try chain.map { try Self.storedEvent(db, nid: $0.nid) })
        }
    }

    /// Every event reachable from `start` through auth edges (`start` itself only where reached from
    /// another), breadth first and without recursion; nil once more than `limit` are found. Events of
    /// other rooms, rejected events and those not stored are left out of the result. Oldest first.
    ///
    /// `impliedAuthEvent`: the create event in rooms whose events leave it out of `auth_events`
    /// (v12): it is implicitly an auth event of every other event, and so in their auth chains, as
    /// Synapse serves it.
    private static func authChain(_ db: Database, from start: [Int64], roomNid: Int64, impliedAuthEvent: Int64?,
                                  limit: Int) throws -> [DAGNode]? {
        let edges = try db.cachedStatement(sql: "SELECT auth_nid FROM event_auth_edges WHERE event_nid = ?")
        var chain = Set<Int64>()
        if let implied = impliedAuthEvent, start.contains(where: { $0 != implied }) { chain.insert(implied) }
        var frontier = Array(Set(start))
        while !frontier.isEmpty {
            var next: [Int64] = []
            for nid in frontier {
                for auth in try Int64.fetchAll(edges, arguments: [nid]) where chain.insert(auth).inserted {
                    next.append(auth)
                }
                if chain.count > limit { return nil }
            }
            frontier = next
        }
        return try nodes(db, Array(chain))
            .filter { $0.roomNid == roomNid && $0.status != .rejected }
            .sorted(by: DAGNode.oldestFirst)
    }

    // MARK: Walking prev events

    /// Backfill (Synapse's `get_backfill_events`): from `eventIds` (those stored in the room) back
    /// through prev events, always taking the newest event not yet taken (greatest depth, then
    /// stream position), until `limit` are taken. Rejected events are walked through but not served;
    /// outliers are neither (no state to judge visibility by). Newest first, with the visibility
    /// state before each for `server`.
    public func backfill(roomNid: Int64, from eventIds: [String], limit: Int, server: String) async throws
        -> ServableEvents
    {
        try await database.read { db in
            var queue: [DAGNode] = []
            for id in eventIds {
                guard let node = try Self.node(db, eventId: id), node.roomNid == roomNid, node.status != .outlier
                else { continue }
                queue.append(node)
            }
            let prevs = try db.cachedStatement(sql: """
                SELECT \(DAGNode.columns) FROM event_edges g
                JOIN events e ON e.event_nid = g.prev_nid JOIN event_ids i ON i.event_nid = e.event_nid
                WHERE g.event_nid = ? AND e.room_nid = ? AND e.status != \(EventStatus.outlier.rawValue)
                ORDER BY e.depth DESC, e.stream_pos DESC LIMIT ?
                """)
            var taken: [Int64] = []
            var takenSet = Set<Int64>()
            // The queue holds at most `limit` prev events per event taken: a linear scan for the newest
            // costs less than keeping it ordered.
            while taken.count < limit, let newest = queue.indices.max(by: { DAGNode.oldestFirst(queue[$0], queue[$1]) }) {
                queue.swapAt(newest, queue.count - 1)
                let node = queue.removeLast()
                guard takenSet.insert(node.nid).inserted else { continue }
                taken.append(node.nid)
                for row in try Row.fetchAll(prevs, arguments: [node.nid, roomNid, limit - taken.count]) {
                    let prev = DAGNode(row)
                    if !takenSet.contains(prev.nid) { queue.append(prev) }
                }
            }
            let events = try Self.storedEvents(db, nids: taken).filter { $0.status != .rejected }
                .sorted { DAGNode.oldestFirst(DAGNode($1), DAGNode($0)) }
            return try Self.servable(db, events, roomNid: roomNid, server: server)
        }
    }

    /// Missing events (Synapse's `get_missing_events`): breadth first from `latest` back through prev
    /// events, never returning or walking past `earliest` (nor `latest` themselves), nor events below
    /// `minDepth`, until `limit` are found. Events are then reversed, so they come roughly oldest
    /// first. Rejected events are walked through but not served; outliers are neither.
    public func missingEvents(roomNid: Int64, earliest: [String], latest: [String], limit: Int, minDepth: Int64,
                              server: String) async throws -> ServableEvents {
        try await database.read { db in
            var seen = Set<Int64>()
            for id in earliest {
                if let nid = try NumericIDs.event(db, id, create: false) { seen.insert(nid) }
            }
            var front: [Int64] = []
            for id in latest {
                guard let node = try Self.node(db, eventId: id), node.roomNid == roomNid,
                    seen.insert(node.nid).inserted
                else { continue }
                front.append(node.nid)
            }
            let prevs = try db.cachedStatement(sql: """
                SELECT e.event_nid FROM event_edges g JOIN events e ON e.event_nid = g.prev_nid
                WHERE g.event_nid = ? AND e.room_nid = ? AND e.status != \(EventStatus.outlier.rawValue)
                    AND e.depth >= ?
                ORDER BY e.depth DESC, e.event_nid DESC LIMIT ?
                """)
            var found: [Int64] = []
            while !front.isEmpty, found.count < limit {
                var next: [Int64] = []
                for nid in front where found.count < limit {
                    for prev in try Int64.fetchAll(prevs, arguments: [nid, roomNid, minDepth, limit - found.count])
                    where seen.insert(prev).inserted {
                        next.append(prev)
                        found.append(prev)
                    }
                }
                front = next
            }
            let byNid = Dictionary(uniqueKeysWithValues: try Self.storedEvents(db, nids: found).map { ($0.nid, $0) })
            let events = found.reversed().compactMap { byNid[$0] }.filter { $0.status != .rejected }
            return try Self.servable(db, events, roomNid: roomNid, server: server)
        }
    }

    private static func servable(_ db: Database, _ events: [StoredEvent], roomNid: Int64, server: String) throws
        -> ServableEvents
    {
        let snapshots = Set(events.compactMap(\.stateBefore))
        return ServableEvents(events: events,
                              visibility: try serverVisibility(db, roomNid: roomNid, server: server, snapshots: snapshots))
    }

    // MARK: Rows

    private static func storedEvent(_ db: Database, nid: Int64) throws -> StoredEvent {
        guard let event = try events(db, where: "e.event_nid = ?", arguments: [nid], cached: true).first else {
            throw StorageError.corrupt("event \(nid) vanished during a read")
        }
        return event
    }

    /// The stored events among `nids`, in no particular order.
    private static func storedEvents(_ db: Database, nids: [Int64]) throws -> [StoredEvent] {
        var result: [StoredEvent] = []
        for start in stride(from: 0, to: nids.count, by: 500) {
            let list = nids[start..<min(start + 500, nids.count)].map(String.init).joined(separator: ",")
            result += try events(db, where: "e.event_nid IN (\(list))")
        }
        return result
    }

    private static func node(_ db: Database, eventId: String) throws -> DAGNode? {
        try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT \(DAGNode.columns) FROM events e JOIN event_ids i ON i.event_nid = e.event_nid
                WHERE i.event_id = ?
                """), arguments: [eventId]
        ).map(DAGNode.init)
    }

    /// The stored events among `nids` (unknown ones left out).
    private static func nodes(_ db: Database, _ nids: [Int64]) throws -> [DAGNode] {
        let statement = try db.cachedStatement(sql: """
            SELECT \(DAGNode.columns) FROM events e JOIN event_ids i ON i.event_nid = e.event_nid
            WHERE e.event_nid = ?
            """)
        return try nids.compactMap { try Row.fetchOne(statement, arguments: [$0]).map(DAGNode.init) }
    }
}

/// An event's place in the DAG, without its JSON: what walks and orderings need.
struct DAGNode {
    static let columns = "e.event_nid, i.event_id, e.room_nid, e.depth, e.stream_pos, e.status"

    let nid: Int64
    let eventId: String
    let roomNid: Int64
    let depth: Int64
    let streamPos: Int64?
    let status: EventStatus

    init(_ row: Row) {
        nid = row["event_nid"]
        eventId = row["event_id"]
        roomNid = row["room_nid"]
        depth = row["depth"]
        streamPos = row["stream_pos"]
        status = EventStatus(rawValue: row["status"]) ?? .rejected
    }

    init(_ event: StoredEvent) {
        nid = event.nid
        eventId = event.eventId
        roomNid = event.roomNid
        depth = event.depth
        streamPos = event.streamPos
        status = event.status
    }

    /// Topological order: depth, then stream position (events without one, soft-failed, first), then
    /// NID, so equal depths still order the same way every time.
    static func oldestFirst(_ a: DAGNode, _ b: DAGNode) -> Bool {
        (a.depth, a.streamPos ?? -1, a.nid) < (b.depth, b.streamPos ?? -1, b.nid)
    }
}
