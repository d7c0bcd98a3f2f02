import MatrixCore
import MyelinStorage

/// The pipeline's entry points for federation: event templates for remote servers (`make_join`,
/// `make_leave`, `make_knock`), events stored without their place in the DAG (outliers: the auth chain
/// and state a join brings), and completing a join to a room hosted elsewhere.
extension RoomPipeline {
    /// An unsigned event a remote user's server will fill in and sign: prev and auth events from our
    /// forward extremities and current state. Nil when the room is unknown. For room versions 1 and 2 the
    /// event ID is left for the remote server to choose.
    public func template(roomId: String, _ event: LocalEvent) async throws -> (RoomVersion, JSONObject)? {
        try await queue.run(roomId) { [self] in
            guard let prepared = try await prepare(roomId: roomId, event) else { return nil }
            var draft = prepared.draft
            draft["event_id"] = nil
            draft["origin"] = .string(serverName.description)
            return (prepared.version, draft)
        }
    }

    /// The version of a room we know.
    public func roomVersion(_ roomId: String) async throws -> String? {
        try await store.room(id: roomId)?.version
    }

    /// Checks and stores an event outside the timeline (an outlier): format, signatures, content hash and
    /// authorisation against its own auth events, which must be stored already. The room must exist.
    /// Events that fail authorisation are stored as rejected so that events citing them fail too.
    public func receiveOutlier(_ json: JSONObject, roomVersion: RoomVersion) async throws -> ReceiveOutcome {
        let pdu = try await checkedRemotePDU(json, roomVersion: roomVersion)
        guard let roomId = pdu.resolvedRoomId else { throw ReceiveError.invalidEvent("no room ID") }
        return try await queue.run(roomId) { [self] in
            guard let room = try await store.room(id: roomId) else { throw ReceiveError.unknownRoom(roomId) }
            return try await storeOutlier(pdu, room: room)
        }
    }

    /// Completes our user's join to a room of another server with what `send_join` returned: the room is
    /// created here if new, the auth chain and state are checked and stored as outliers (in an order
    /// where auth events come first), and the join event is persisted with that state before it, as the
    /// room's one forward extremity. Returns the join's stream position.
    public func completeRemoteJoin(roomId: String, version: RoomVersion, join: JSONObject, state: [JSONObject],
                                   authChain: [JSONObject]) async throws -> SentEvent {
        let joinPDU = try await checkedRemotePDU(join, roomVersion: version)
        var checked: [String: PDU] = [:]
        for json in authChain + state {
            let pdu = try await checkedRemotePDU(json, roomVersion: version)
            guard pdu.resolvedRoomId == roomId else {
                throw ReceiveError.invalidEvent("\(pdu.eventId) belongs to another room")
            }
            checked[pdu.eventId] = pdu
        }
        let byId = checked
        let stateIds = Set(state.compactMap { json -> String? in
            (try? PDU(json: json, roomVersion: version))?.eventId
        })
        return try await queue.run(roomId) { [self] in
            let room: RoomRecord
            if let existing = try await store.room(id: roomId) {
                room = existing
            } else {
                room = try await store.createRoom(roomId: roomId, version: version.identifier, nowMs: nowMs())
            }
            var rejected: Set<String> = []
            for pdu in Self.authOrdered(Array(byId.values)) {
                if let known = try await store.event(id: pdu.eventId) {
                    if known.status == .rejected { rejected.insert(pdu.eventId) }
                    continue
                }
                if case .rejected = try await storeOutlier(pdu, room: room) { rejected.insert(pdu.eventId) }
            }
            var resolved: [StateTuple: String] = [:]
            for id in stateIds where !rejected.contains(id) {
                if let pdu = byId[id], let tuple = pdu.stateTuple { resolved[tuple] = id }
            }
            guard resolved[StateTuple(type: "m.room.create", stateKey: "")] != nil else {
                throw ReceiveError.invalidEvent("the room state has no create event")
            }
            var stateEvents: [StateTuple: PDU] = [:]
            for (tuple, id) in resolved { stateEvents[tuple] = byId[id] }
            if case .reject(let reason) = AuthRules.check(joinPDU, state: { stateEvents[$0] }) {
                throw ReceiveError.invalidEvent("the join is not allowed by the room's state: \(reason)")
            }
            guard let current = room.currentSnapshot else { throw ReceiveError.unknownRoom(roomId) }
            let currentMap = try await store.state(snapshot: current)
            let stateBefore = try await store.deriveSnapshot(
                roomNid: room.nid, from: current, changes: Self.changes(from: currentMap, to: resolved))
            var memberships: [MembershipWrite] = []
            for (tuple, pdu) in stateEvents where tuple.type == "m.room.member" {
                if let membership = pdu.membership {
                    memberships.append(MembershipWrite(userId: tuple.stateKey, membership: membership,
                                                       eventId: pdu.eventId))
                }
            }
            memberships += Self.membershipWrites(joinPDU)
            let persisted = try await persist(
                joinPDU, room: room, status: .accepted, stateBefore: stateBefore,
                currentState: .stateAfterEvent(extremities: [joinPDU.eventId], memberships: memberships))
            return SentEvent(eventId: joinPDU.eventId, streamPos: persisted.streamPos, isNew: true)
        }
    }

    /// An invite of one of our users by another server (`/v2/invite`): the inviter's signature is checked,
    /// ours added, and the invite stored with the stripped state the inviter sent (in
    /// `unsigned.invite_room_state`, where sync reads it) so the user sees it. In a room we are not in, the
    /// invite stands alone as the room's only event until the user joins. Returns the event as we signed it.
    public func receiveRemoteInvite(_ json: JSONObject, roomVersion: RoomVersion, strippedState: [JSONObject])
        async throws -> PDU
    {
        let pdu = try await checkedRemotePDU(json, roomVersion: roomVersion)
        guard let roomId = pdu.resolvedRoomId else { throw ReceiveError.invalidEvent("not an invite") }
        var signedJSON: JSONObject
        do {
            signedJSON = try EventSigning.sign(pdu.json, roomVersion: roomVersion, as: serverName, with: signingKey)
        } catch {
            throw ReceiveError.invalidEvent("cannot sign the invite: \(error)")
        }
        signedJSON["unsigned"] = nil
        let signed = PDU(eventId: pdu.eventId, roomVersion: roomVersion, json: signedJSON)
        if let room = try await store.room(id: roomId), try await hasLocalMember(room) {
            // A room we are in: the invite is an ordinary event of its DAG.
            let outcome = try await queue.run(roomId) { [self] () async throws -> ReceiveOutcome in
                if try await store.event(id: signed.eventId) != nil { return .alreadyKnown(eventId: signed.eventId) }
                return try await receiveInRoom(signed, room: room)
            }
            if case .rejected(_, let reason) = outcome { throw ReceiveError.invalidEvent("invite rejected: \(reason)") }
            return signed
        }
        try await storeStandalone(signed, strippedStateKey: "invite_room_state", strippedState: strippedState)
        return signed
    }

    /// Our own user's leave or knock in a room this server is not in, once its resident accepted it, with the
    /// stripped state the resident sent for a knock.
    public func storeOwnMembership(_ event: PDU, roomState: [JSONObject]) async throws {
        try await storeStandalone(event, strippedStateKey: event.membership == "knock" ? "knock_room_state" : nil,
                                  strippedState: roomState)
    }

    /// Turns down an invite without the inviting server (it is unreachable): a leave of ours that cites
    /// the invite, kept here only, as the spec allows. The inviting room never hears of it.
    public func rejectInviteLocally(roomId: String, userId: String) async throws -> String {
        guard let room = try await store.room(id: roomId), let version = RoomVersion.named(room.version),
            let current = try await store.membership(roomNid: room.nid, userId: userId),
            current.membership == "invite", let invite = try await store.event(nid: current.eventNid)
        else { throw MatrixError.notFound("No invite for \(userId) in \(roomId)") }
        var draft: JSONObject = [
            "type": "m.room.member", "state_key": .string(userId), "sender": .string(userId),
            "room_id": .string(roomId), "content": ["membership": "leave"], "origin_server_ts": .int(nowMs()),
            "depth": .int(invite.depth + 1),
        ]
        if version.eventIDIsHash {
            draft["prev_events"] = [.string(invite.eventId)]
            draft["auth_events"] = [.string(invite.eventId)]
        } else {
            let reference: JSONValue = [.string(invite.eventId), .object([:])]
            draft["event_id"] = .string("$\(RandomID.letters(18)):\(serverName)")
            draft["prev_events"] = [reference]
            draft["auth_events"] = [reference]
        }
        let pdu = try EventBuilder.build(draft, roomVersion: version, server: serverName, key: signingKey)
        try await storeStandalone(pdu, strippedStateKey: nil, strippedState: [])
        return pdu.eventId
    }

    /// Whether any user of this server is joined: only then can we build the room's events ourselves.
    func hasLocalMember(_ room: RoomRecord) async throws -> Bool {
        let server = serverName.description
        return try await store.members(roomNid: room.nid, membership: "join").keys.contains {
            matrixIDDomainOf($0) == server
        }
    }

    /// A membership event of ours in a room we are not joined to, stored as the room's one event and
    /// forward extremity so sync reports it (with the stripped state under `unsigned`, where sync reads it).
    private func storeStandalone(_ pdu: PDU, strippedStateKey: String?, strippedState: [JSONObject]) async throws {
        guard let roomId = pdu.resolvedRoomId, let target = pdu.stateKey, let membership = pdu.membership else {
            throw ReceiveError.invalidEvent("not a membership event")
        }
        var stored = pdu.json
        if let strippedStateKey {
            stored["unsigned"] = [strippedStateKey: .array(strippedState.prefix(50).map(JSONValue.object))]
        }
        let storedPDU = PDU(eventId: pdu.eventId, roomVersion: pdu.roomVersion, json: stored)
        try await queue.run(roomId) { [self] in
            if try await store.event(id: pdu.eventId) != nil { return }
            let room: RoomRecord
            if let existing = try await store.room(id: roomId) {
                room = existing
            } else {
                room = try await store.createRoom(roomId: roomId, version: pdu.roomVersion.identifier, nowMs: nowMs())
            }
            let write = MembershipWrite(userId: target, membership: membership, eventId: pdu.eventId)
            try await persist(storedPDU, room: room, status: .accepted, stateBefore: room.currentSnapshot,
                              currentState: .stateAfterEvent(extremities: [pdu.eventId], memberships: [write]))
        }
    }

    /// The state before an event and the auth chain of that state and the event (what `send_join`
    /// answers with). The walk is iterative and visits each event once.
    public func stateAndAuthChain(before eventId: String) async throws -> (state: [PDU], authChain: [PDU])? {
        guard let stored = try await store.event(id: eventId), let snapshot = stored.stateBefore,
            let room = try await store.room(nid: stored.roomNid), let version = RoomVersion.named(room.version)
        else { return nil }
        let loader = loader(version)
        let stateIds = try await store.state(snapshot: snapshot)
        var state: [PDU] = []
        for id in stateIds.values { if let pdu = try await loader.event(id) { state.append(pdu) } }
        var seen: Set<String> = []
        var pending = state.flatMap(\.authEvents) + (try await loader.pdu(stored)).authEvents
        var chain: [PDU] = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted, let pdu = try await loader.event(next) else { continue }
            chain.append(pdu)
            pending += pdu.authEvents
        }
        return (state, chain)
    }

    /// Parses a remote event and checks its signatures and content hash (a mismatch keeps the redacted form).
    func checkedRemotePDU(_ json: JSONObject, roomVersion: RoomVersion) async throws -> PDU {
        var pdu: PDU
        do {
            pdu = try PDU(json: json, roomVersion: roomVersion)
        } catch {
            throw ReceiveError.invalidEvent(error.description)
        }
        try await verifySignatures(pdu)
        if (try? ContentHash.check(pdu.json, roomVersion: roomVersion)) == nil {
            pdu = PDU(eventId: pdu.eventId, roomVersion: roomVersion,
                      json: Redaction.redact(pdu.json, roomVersion: roomVersion))
        }
        return pdu
    }

    private func storeOutlier(_ pdu: PDU, room: RoomRecord) async throws -> ReceiveOutcome {
        if try await store.event(id: pdu.eventId) != nil { return .alreadyKnown(eventId: pdu.eventId) }
        if case .reject(let reason) = try await checkAgainstAuthEvents(pdu, room: room) {
            try await persist(pdu, room: room, status: .rejected, rejection: reason, stateBefore: nil,
                              currentState: .unchanged)
            return .rejected(eventId: pdu.eventId, reason: reason)
        }
        try await persist(pdu, room: room, status: .outlier, stateBefore: nil, currentState: .unchanged)
        return .alreadyKnown(eventId: pdu.eventId)
    }

    /// History from `/backfill`: checked like an outlier (signatures, hash, its own auth events), then kept
    /// as accepted history before everything else here. Its state is taken to be the state at the start of
    /// what we held: the server cannot know the state at each old event without fetching it, and for
    /// history visibility that state is what matters (Synapse fetches it; noted as a simplification).
    public func receiveBackfilled(_ json: JSONObject, roomVersion: RoomVersion) async throws -> ReceiveOutcome {
        let pdu = try await checkedRemotePDU(json, roomVersion: roomVersion)
        guard let roomId = pdu.resolvedRoomId else { throw ReceiveError.invalidEvent("no room ID") }
        return try await queue.run(roomId) { [self] in
            guard let room = try await store.room(id: roomId) else { throw ReceiveError.unknownRoom(roomId) }
            if try await store.event(id: pdu.eventId) != nil { return .alreadyKnown(eventId: pdu.eventId) }
            if case .reject(let reason) = try await checkAgainstAuthEvents(pdu, room: room) {
                try await persist(pdu, room: room, status: .rejected, rejection: reason, stateBefore: nil,
                                  currentState: .unchanged)
                return .rejected(eventId: pdu.eventId, reason: reason)
            }
            let edge = try await store.historyEdge(roomNid: room.nid, count: 1)
            let persisted = try await persist(pdu, room: room, status: .accepted, stateBefore: edge.stateBefore,
                                              currentState: .unchanged, backfilled: true)
            return .accepted(eventId: pdu.eventId, streamPos: persisted.streamPos ?? 0)
        }
    }

    /// The authorisation rules against the event's own auth events, which must be stored
    /// (`ReceiveError.missingAuthEvents` otherwise).
    func checkAgainstAuthEvents(_ pdu: PDU, room: RoomRecord) async throws -> AuthDecision {
        let loader = loader(pdu.roomVersion)
        let authStored = try await store.events(ids: pdu.authEvents)
        let missing = pdu.authEvents.filter { authStored[$0] == nil }
        if !missing.isEmpty { throw ReceiveError.missingAuthEvents(missing) }
        var authEvents: [PDU] = []
        var rejectedAuth: Set<String> = []
        for stored in authStored.values {
            authEvents.append(try await loader.pdu(stored))
            if stored.status == .rejected { rejectedAuth.insert(stored.eventId) }
        }
        var authState: [StateTuple: PDU] = [:]
        for event in authEvents { if let tuple = event.stateTuple { authState[tuple] = event } }
        if pdu.type != "m.room.create", !pdu.roomVersion.createEventInAuthEvents {
            authState[StateTuple(type: "m.room.create", stateKey: "")] =
                try await loader.event("$" + room.roomId.dropFirst())
        }
        let decision = AuthRules.checkAuthEventsSelection(
            pdu, authEvents: authEvents, isRejected: { rejectedAuth.contains($0.eventId) })
        if decision != .allow { return decision }
        return AuthRules.check(pdu, state: { authState[$0] })
    }

    /// Events ordered so each comes after the auth events it cites that are in the set (Kahn's algorithm;
    /// ties by depth). A cycle, which valid events cannot form, leaves the rest in depth order at the end.
    public static func authOrdered(_ events: [PDU]) -> [PDU] {
        let ids = Set(events.map(\.eventId))
        var waitingOn: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        var byId: [String: PDU] = [:]
        for event in events {
            byId[event.eventId] = event
            let inside = Set(event.authEvents.filter { ids.contains($0) })
            waitingOn[event.eventId] = inside.count
            for auth in inside { dependents[auth, default: []].append(event.eventId) }
        }
        var ready = events.filter { waitingOn[$0.eventId] == 0 }.sorted { $0.depth < $1.depth }
        var ordered: [PDU] = []
        var done: Set<String> = []
        while !ready.isEmpty {
            let next = ready.removeFirst()
            ordered.append(next)
            done.insert(next.eventId)
            for dependent in dependents[next.eventId] ?? [] {
                waitingOn[dependent, default: 1] -= 1
                if waitingOn[dependent] == 0, let event = byId[dependent] { ready.append(event) }
            }
        }
        ordered += events.filter { !done.contains($0.eventId) }.sorted { $0.depth < $1.depth }
        return ordered
    }
}
