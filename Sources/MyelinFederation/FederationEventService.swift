import MatrixCore
import MyelinRooms
import MyelinStorage

/// The federation API's read side for room events: `/event`, `/state`, `/state_ids`, `/event_auth`,
/// `/backfill` and `/get_missing_events`. Each method takes the asking server (`origin`, from its
/// verified X-Matrix header) and the request's parameters, and returns the response body; refusals
/// are `MatrixError`s carrying the spec's errcode and status.
///
/// Who may read what (the spec's "Server Access Control Lists", and Synapse where the spec is silent):
/// - One of the origin's users must be joined to the room now (Synapse's `assert_host_in_room`) and
///   the room's server ACL must allow the origin, else 403 `M_FORBIDDEN`. The spec asks the ACL of
///   every endpoint here but `/event`, where Synapse skips it; we check it there too: a server the
///   room shuts out has no business reading its events.
/// - Events served one by one (`/event`, `/backfill`, `/get_missing_events`) pass history visibility
///   for servers (`HistoryVisibility.serverMaySeeEvent`). One the origin may not see is served
///   redacted, as Synapse does: the spec says nothing, and the redacted form still lets the asking
///   server link the DAG and check signatures, without the content. State and auth chains are served
///   whole: a server in the room needs them to authorise events.
/// - An unknown room, or an event not stored in the room: 404 `M_NOT_FOUND`. The room checks come
///   first, so a server outside a room learns nothing about its events. (Synapse answers 403 for an
///   unknown room; the spec's 404 says it better.)
///
/// Events are served as stored (the canonical JSON the pipeline kept), redacted once redacted.
public struct FederationEventService: Sendable {
    let store: RoomEventStore
    let pipeline: RoomPipeline
    let serverName: String
    let limits: FederationEventLimits

    public init(store: RoomEventStore, pipeline: RoomPipeline, serverName: String,
                limits: FederationEventLimits = FederationEventLimits()) {
        self.store = store
        self.pipeline = pipeline
        self.serverName = serverName
        self.limits = limits
    }

    // MARK: Endpoints

    /// `GET /_matrix/federation/v1/event/{eventId}`: `{origin, origin_server_ts, pdus: [event]}`.
    /// Rejected and soft-failed events are served too, as Synapse does: the asking server runs its own
    /// checks, and may need the event to make sense of the DAG.
    public func event(origin: String, eventId: String) async throws -> JSONObject {
        guard let found = try await store.servableEvent(id: eventId, server: origin) else {
            throw MatrixError.notFound("Unknown event \(eventId)")
        }
        let version = try Self.version(of: found.access.room)
        try authorize(origin, found.access, version: version)
        let erased = try await store.erasedSenders([found.event.sender], roomNid: found.access.room.nid,
                                                   hiddenFromServer: origin)
        return transaction([try servedToServer(found.event, state: found.visibility, origin: origin, version: version,
                                               erased: erased)])
    }

    /// `GET /_matrix/federation/v1/state/{roomId}?event_id=`: `{pdus, auth_chain}`, the state before
    /// the event and the auth chain of that state.
    ///
    /// "At the event" means before it: the spec's response is the state "prior to considering any
    /// state changes induced by the requested event", and Synapse (`get_state_ids_for_pdu`) agrees.
    /// As in Synapse, a rejected event or an outlier (no state known) is 404; a soft-failed one is
    /// served, its state before it being known.
    public func state(origin: String, roomId: String, eventId: String) async throws -> JSONObject {
        let (access, event, version) = try await readableEvent(origin: origin, roomId: roomId, eventId: eventId)
        let result = try await store.stateEvents(before: event, impliedAuthEvent: Self.impliedAuthEvent(access.room, version),
                                                 limit: limits.maxStateEvents)
        let found = try Self.unwrap(result, eventId: eventId, what: "the state and its auth chain")
        return [
            "pdus": .array(try found.state.map { .object(try Self.served($0, version: version)) }),
            "auth_chain": .array(try found.authChain.map { .object(try Self.served($0, version: version)) }),
        ]
    }

    /// `GET /_matrix/federation/v1/state_ids/{roomId}?event_id=`: `{pdu_ids, auth_chain_ids}`, as
    /// `state` with event IDs.
    public func stateIds(origin: String, roomId: String, eventId: String) async throws -> JSONObject {
        let (access, event, version) = try await readableEvent(origin: origin, roomId: roomId, eventId: eventId)
        let result = try await store.stateIds(before: event, impliedAuthEvent: Self.impliedAuthEvent(access.room, version),
                                              limit: limits.maxStateIds)
        let found = try Self.unwrap(result, eventId: eventId, what: "the state IDs and their auth chain")
        return ["pdu_ids": .array(found.state.map(JSONValue.string)),
                "auth_chain_ids": .array(found.authChain.map(JSONValue.string))]
    }

    /// `GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}`: `{auth_chain}`, the event's auth
    /// events and theirs, recursively, oldest first. A rejected event is 404, as in Synapse.
    public func eventAuth(origin: String, roomId: String, eventId: String) async throws -> JSONObject {
        let (access, event, version) = try await readableEvent(origin: origin, roomId: roomId, eventId: eventId)
        let result = try await store.authChainEvents(of: event, impliedAuthEvent: Self.impliedAuthEvent(access.room, version),
                                                     limit: limits.maxStateEvents)
        let chain = try Self.unwrap(result, eventId: eventId, what: "the auth chain")
        return ["auth_chain": .array(try chain.map { .object(try Self.served($0, version: version)) })]
    }

    /// `GET /_matrix/federation/v1/backfill/{roomId}?v=...&limit=`: `{origin, origin_server_ts, pdus}`,
    /// the given events (those stored in the room) and those before them through prev events, newest
    /// first, at most `limit` (capped at `FederationEventLimits.maxBackfill`). Unknown starting events
    /// are skipped, as in Synapse, so none known gives an empty list. Rejected events and outliers are
    /// not served (Synapse: rejected events are not fetched, outliers have no state to judge by).
    public func backfill(origin: String, roomId: String, from eventIds: [String], limit: Int) async throws
        -> JSONObject
    {
        guard !eventIds.isEmpty else { throw MatrixError.missingParam("Give the events to backfill from (v)") }
        guard limit > 0 else { throw MatrixError.invalidParam("limit must be a positive integer") }
        let (access, version) = try await readableRoom(origin: origin, roomId: roomId)
        let found = try await store.backfill(roomNid: access.room.nid, from: Array(eventIds.prefix(limits.maxRequestEventIds)),
                                             limit: min(limit, limits.maxBackfill), server: origin)
        return transaction(try await servedToServer(found, roomNid: access.room.nid, origin: origin, version: version))
    }

    /// `POST /_matrix/federation/v1/get_missing_events/{roomId}`: `{events}`, found breadth first from
    /// `latest_events` back through prev events, never returning or passing `earliest_events` (nor
    /// returning `latest_events`), at most `limit` (default 10, capped at 20 as Synapse does), then
    /// reversed as Synapse does, so roughly oldest first.
    ///
    /// `min_depth` is applied (nothing shallower is returned or walked through), as the spec
    /// describes it; Synapse ignores it. Rejected events and outliers are not served.
    public func missingEvents(origin: String, roomId: String, _ request: MissingEventsRequest) async throws
        -> JSONObject
    {
        let (access, version) = try await readableRoom(origin: origin, roomId: roomId)
        let limit = min(max(request.limit ?? limits.defaultMissingEvents, 0), limits.maxMissingEvents)
        let found = try await store.missingEvents(
            roomNid: access.room.nid, earliest: Array(request.earliestEvents.prefix(limits.maxRequestEventIds)),
            latest: Array(request.latestEvents.prefix(limits.maxRequestEventIds)), limit: limit,
            minDepth: request.minDepth, server: origin)
        let events = try await servedToServer(found, roomNid: access.room.nid, origin: origin, version: version)
        return ["events": .array(events.map(JSONValue.object))]
    }

    // MARK: Access

    /// The room, once `origin` may read it.
    private func readableRoom(origin: String, roomId: String, eventId: String? = nil) async throws
        -> (FederationRoomAccess, RoomVersion)
    {
        guard let access = try await store.federationAccess(roomId: roomId, server: origin, eventId: eventId) else {
            throw MatrixError.notFound("Unknown room \(roomId)")
        }
        let version = try Self.version(of: access.room)
        try authorize(origin, access, version: version)
        return (access, version)
    }

    /// The room and one of its events, once `origin` may read the room. Rejected events are not
    /// found, as Synapse's `get_event` does not find them for these endpoints.
    private func readableEvent(origin: String, roomId: String, eventId: String) async throws
        -> (FederationRoomAccess, StoredEvent, RoomVersion)
    {
        let (access, version) = try await readableRoom(origin: origin, roomId: roomId, eventId: eventId)
        guard let event = access.event, event.status != .rejected else {
            throw MatrixError.notFound("Unknown event \(eventId) in room \(roomId)")
        }
        return (access, event, version)
    }

    private func authorize(_ origin: String, _ access: FederationRoomAccess, version: RoomVersion) throws {
        // Membership first, as Synapse does, so a server outside the room learns nothing of its ACL.
        guard access.serverJoined else {
            throw MatrixError.forbidden("Server \(origin) is not in room \(access.room.roomId)")
        }
        if let aclEvent = access.serverACL {
            let content = try Self.served(aclEvent, version: version)["content"]?.objectValue ?? [:]
            guard ServerACL(content: content).allows(serverName: origin) else {
                throw MatrixError.forbidden("Server \(origin) is denied by the server ACL of room \(access.room.roomId)")
            }
        }
    }

    // MARK: Serving

    private func transaction(_ pdus: [JSONObject]) -> JSONObject {
        ["origin": .string(serverName), "origin_server_ts": .int(pipeline.currentTimeMs),
         "pdus": .array(pdus.map(JSONValue.object))]
    }

    private func servedToServer(_ found: ServableEvents, roomNid: Int64, origin: String, version: RoomVersion)
        async throws -> [JSONObject]
    {
        let erased = try await store.erasedSenders(Set(found.events.map(\.sender)), roomNid: roomNid,
                                                   hiddenFromServer: origin)
        return try found.events.map { event in
            try servedToServer(event, state: event.stateBefore.flatMap { found.visibility[$0] }, origin: origin,
                               version: version, erased: erased)
        }
    }

    /// The event as `origin` may see it: whole, or redacted when history visibility hides it or its
    /// sender was erased before the origin came (spec v1.10: servers too get redacted copies).
    private func servedToServer(_ event: StoredEvent, state: ServerVisibilityState?, origin: String,
                                version: RoomVersion, erased: Set<String>) throws -> JSONObject {
        let json = try Self.stored(event)
        if event.redactedBy != nil || erased.contains(event.sender)
            || !Self.serverMaySee(event, json: json, state: state, origin: origin) {
            return Redaction.redact(json, roomVersion: version)
        }
        return json
    }

    private static func serverMaySee(_ event: StoredEvent, json: JSONObject, state: ServerVisibilityState?,
                                     origin: String) -> Bool {
        // An outlier has no state to judge by; Synapse lets it through. Walks do not serve outliers.
        guard event.stateBefore != nil else { return true }
        guard let state else { return false }
        let content = json["content"]?.objectValue
        var visibilityAfter: HistoryVisibility? = nil
        var membershipsAfter: [Membership]? = nil
        if event.type == "m.room.history_visibility", event.stateKey == "" {
            visibilityAfter = HistoryVisibility(content: content)
        } else if event.type == "m.room.member", let user = event.stateKey, matrixIDDomainOf(user) == origin {
            var after = state.memberships
            after[user] = content?["membership"]?.stringValue.flatMap(Membership.init(rawValue:)) ?? .leave
            membershipsAfter = Array(after.values)
        }
        return HistoryVisibility.serverMaySeeEvent(
            visibilityBefore: state.historyVisibility, visibilityAfter: visibilityAfter,
            membershipsBefore: Array(state.memberships.values), membershipsAfter: membershipsAfter)
    }

    /// The event as stored, redacted once redacted.
    private static func served(_ event: StoredEvent, version: RoomVersion) throws -> JSONObject {
        let json = try stored(event)
        return event.redactedBy == nil ? json : Redaction.redact(json, roomVersion: version)
    }

    private static func stored(_ event: StoredEvent) throws -> JSONObject {
        guard case .object(let json)? = try? JSONParser.parse(event.json) else {
            throw StorageError.corrupt("event \(event.eventId) is not a JSON object")
        }
        return json
    }

    // MARK: Helpers

    private static func unwrap<Value>(_ result: BoundedResult<Value>?, eventId: String, what: String) throws -> Value {
        switch result {
        case nil:
            throw MatrixError.notFound("The state at \(eventId) is not known here")
        case .tooLarge(let count)?:
            throw MatrixError.tooLarge("Too large to serve: \(what) at \(eventId) (at least \(count) events); "
                                       + "ask /state_ids and fetch the events one by one")
        case .found(let value)?:
            return value
        }
    }

    private static func version(of room: RoomRecord) throws -> RoomVersion {
        guard let version = RoomVersion.named(room.version) else {
            throw MatrixError("M_UNSUPPORTED_ROOM_VERSION", "Room version \(room.version) is not supported", status: 400)
        }
        return version
    }

    /// The create event, in rooms whose events leave it out of `auth_events` (v12) while it stays in
    /// every auth chain: its ID is the room ID with `$` for `!`.
    private static func impliedAuthEvent(_ room: RoomRecord, _ version: RoomVersion) -> String? {
        version.createEventInAuthEvents ? nil : "$" + room.roomId.dropFirst()
    }

    /// The server part of a user ID: everything after the first colon.
    private static func domain(of userId: String) -> String? {
        userId.firstIndex(of: ":").map { String(userId[userId.index(after: $0)...]) }
    }
}
