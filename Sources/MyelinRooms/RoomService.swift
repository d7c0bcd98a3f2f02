import Logging
import MatrixCore
import MyelinAccounts
import MyelinStorage

/// The client-facing room operations on top of the pipeline. Handlers call these; each checks what the
/// spec asks of the caller (membership, power) with the spec's errors, and leaves event validity to
/// the pipeline's authorisation rules. Other files extend it by area (membership, history, ...).
public final class RoomService: Sendable {
    public let pipeline: RoomPipeline
    public let store: RoomEventStore
    public let serverName: String
    public let settings: RoomSettings
    /// Profiles for the member events this service builds; nil leaves them without.
    let profiles: (any MemberProfileLookup)?
    /// Joins to rooms hosted elsewhere; nil without federation.
    let remote: (any RemoteRooms)?
    let nowMs: @Sendable () -> Int64
    let logger: Logger

    public init(pipeline: RoomPipeline, store: RoomEventStore, settings: RoomSettings = .init(),
                profiles: (any MemberProfileLookup)? = nil, remote: (any RemoteRooms)? = nil, logger: Logger) {
        self.pipeline = pipeline
        self.profiles = profiles
        self.remote = remote
        self.settings = settings
        self.store = store
        self.serverName = pipeline.serverName.description
        self.nowMs = pipeline.nowMs
        self.logger = logger
    }

    // MARK: Looking things up

    /// The room, or 404 `M_NOT_FOUND`.
    public func room(_ roomId: String) async throws -> RoomRecord {
        guard let room = try await store.room(id: roomId) else { throw MatrixError.notFound("Unknown room \(roomId)") }
        return room
    }

    public func version(of room: RoomRecord) throws -> RoomVersion {
        guard let version = RoomVersion.named(room.version) else {
            throw MatrixError("M_UNSUPPORTED_ROOM_VERSION", "Room version \(room.version) is not supported", status: 400)
        }
        return version
    }

    func loader(_ room: RoomRecord) throws -> RoomEventLoader { pipeline.loader(try version(of: room)) }

    /// Events of the room's current state for the given keys (those present).
    public func currentState(_ room: RoomRecord, _ tuples: [StateTuple]) async throws -> [StateTuple: PDU] {
        guard let snapshot = room.currentSnapshot else { return [:] }
        return try await state(room, snapshot: snapshot, tuples)
    }

    /// Events of a state snapshot of the room (the state before an event, say) for the given keys.
    public func state(_ room: RoomRecord, snapshot: Int64, _ tuples: [StateTuple]) async throws -> [StateTuple: PDU] {
        try await loader(room).events(of: try await store.state(snapshot: snapshot, tuples: tuples))
    }

    public func currentStateEvent(_ room: RoomRecord, type: String, stateKey: String = "") async throws -> PDU? {
        let tuple = StateTuple(type: type, stateKey: stateKey)
        return try await currentState(room, [tuple])[tuple]
    }

    /// The user's current membership (`.leave` when there is no member event).
    public func membership(_ room: RoomRecord, _ userId: String) async throws -> Membership {
        guard let row = try await store.membership(roomNid: room.nid, userId: userId) else { return .leave }
        return Membership(rawValue: row.membership) ?? .leave
    }

    /// 403 `M_FORBIDDEN` unless the user is joined to the room.
    public func requireJoined(_ room: RoomRecord, _ userId: String) async throws {
        guard try await membership(room, userId) == .join else {
            throw MatrixError.forbidden("User \(userId) is not in room \(room.roomId)")
        }
    }

    /// The room, when `userId` is joined to it; otherwise 403 `M_FORBIDDEN`, for an unknown room too
    /// (not being in the room is the refusal, as in Synapse, and it does not reveal which rooms exist).
    public func joinedRoom(_ roomId: String, _ userId: String) async throws -> RoomRecord {
        guard let room = try await store.room(id: roomId), try await membership(room, userId) == .join else {
            throw MatrixError.forbidden("User \(userId) is not in room \(roomId)")
        }
        return room
    }

    /// The room's current power levels (with the creators of v12 rooms).
    public func powerLevels(_ room: RoomRecord) async throws -> PowerLevels {
        let tuples = [StateTuple(type: "m.room.power_levels", stateKey: ""), StateTuple(type: "m.room.create", stateKey: "")]
        let state = try await currentState(room, tuples)
        return PowerLevels(powerLevelsEvent: state[tuples[0]], createEvent: state[tuples[1]])
    }

    /// Client-format events (redaction applied, `prev_content`, `transaction_id` for the viewer's device).
    public func clientEvents(_ events: [StoredEvent], room: RoomRecord, viewer: Requester?) async throws -> [JSONObject] {
        let serializer = ClientEventSerializer(store: store, loader: try loader(room), roomNid: room.nid, nowMs: nowMs())
        return try await serializer.serialize(
            events, viewer: viewer.map { .init(userId: $0.userId, userNid: $0.userNid, deviceId: $0.deviceId) })
    }

    // MARK: Sending

    /// Sends an event as `requester` after the caller-side checks; the pipeline's rules decide the rest.
    @discardableResult
    public func send(_ requester: Requester, roomId: String, type: String, stateKey: String? = nil,
                     content: JSONObject, redacts: String? = nil, txnId: String? = nil) async throws -> SentEvent {
        let transaction = txnId.map { TransactionKey(userNid: requester.userNid, deviceId: requester.deviceId, txnId: $0) }
        return try await pipeline.send(
            roomId: roomId,
            LocalEvent(type: type, stateKey: stateKey, sender: requester.userId, content: content, redacts: redacts,
                       transaction: transaction))
    }

    /// Creates a room: create event, creator's join, the planned state, then invites. Returns the room ID.
    public func createRoom(_ requester: Requester, _ plan: NewRoom) async throws -> String {
        // A taken alias must refuse the request before any room exists.
        if let alias = plan.alias { try await requireAliasAvailable(alias) }
        let roomId = try await pipeline.createRoom(version: plan.version, creator: requester.userId,
                                                   content: plan.createContent)
        try await pipeline.send(roomId: roomId, LocalEvent(
            type: "m.room.member", stateKey: requester.userId, sender: requester.userId,
            content: await withProfile(["membership": "join"], of: requester.userId)))
        // Before the initial state, which may name it in m.room.canonical_alias.
        if let alias = plan.alias {
            try await createAlias(requester, alias: alias, roomId: roomId, checkMembership: false)
        }
        for event in plan.initialState {
            try await pipeline.send(roomId: roomId, LocalEvent(
                type: event.type, stateKey: event.stateKey, sender: requester.userId, content: event.content))
        }
        for invitee in plan.invites {
            var content: JSONObject = ["membership": "invite"]
            if plan.isDirect { content["is_direct"] = true }
            // As /invite does (and Synapse): the invitee's profile, so clients name them before they join.
            content = await withProfile(content, of: invitee)
            try await pipeline.send(roomId: roomId, LocalEvent(
                type: "m.room.member", stateKey: invitee, sender: requester.userId, content: content))
        }
        if plan.publish { try await publishRoom(roomId: roomId, public: true) }
        return roomId
    }
}
