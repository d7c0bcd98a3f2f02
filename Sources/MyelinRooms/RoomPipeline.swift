import FoundationEssentials
import Logging
import MatrixCore
import MyelinStorage

/// The one way events enter a room (DESIGN.md "The event pipeline"): local events are built here,
/// remote ones checked here, and both are authorised, persisted and announced in order. Each room's
/// events pass one at a time; rooms proceed concurrently.
public final class RoomPipeline: Sendable {
    let store: RoomEventStore
    public let serverName: ServerName
    let signingKey: SigningKey
    let keys: any ServerKeyLookup
    let cache: EventCache
    let queue = KeyedSerialQueue()
    public let announcements: RoomAnnouncements
    let nowMs: @Sendable () -> Int64
    let logger: Logger

    public init(store: RoomEventStore, serverName: ServerName, signingKey: SigningKey, keys: any ServerKeyLookup,
                cacheBytes: Int, announcements: RoomAnnouncements = RoomAnnouncements(),
                nowMs: @escaping @Sendable () -> Int64, logger: Logger) {
        self.store = store
        self.serverName = serverName
        self.signingKey = signingKey
        self.keys = keys
        self.cache = EventCache(capacityBytes: cacheBytes)
        self.announcements = announcements
        self.nowMs = nowMs
        self.logger = logger
    }

    func loader(_ version: RoomVersion) -> RoomEventLoader {
        RoomEventLoader(store: store, cache: cache, roomVersion: version)
    }

    // MARK: Local events

    /// Creates a room from its create event content; returns the room ID. The rest of the initial
    /// state is sent with `send`.
    public func createRoom(version: RoomVersion, creator: String, content: JSONObject) async throws -> String {
        // A v12 room ID is the create event's hash: the same creator, content and millisecond would give
        // the same room again, so a clash moves the timestamp on until the ID is new.
        var timestamp = nowMs()
        for _ in 0..<100 {
            let (roomId, pdu) = try buildCreateEvent(version: version, creator: creator, content: content, ts: timestamp)
            let created: String? = try await queue.run(roomId) { [self] in
                guard try await store.room(id: roomId) == nil else { return nil }
                let room = try await store.createRoom(roomId: roomId, version: version.identifier, nowMs: nowMs())
                try await persist(pdu, room: room, status: .accepted, stateBefore: room.currentSnapshot,
                                  currentState: .stateAfterEvent(extremities: [pdu.eventId], memberships: []))
                return roomId
            }
            if let created { return created }
            timestamp += 1
        }
        throw MatrixError("M_UNKNOWN", "Could not find a free room ID", status: 500)
    }

    private func buildCreateEvent(version: RoomVersion, creator: String, content: JSONObject, ts: Int64) throws
        -> (String, PDU)
    {
        var draft: JSONObject = [
            "type": "m.room.create", "state_key": "", "sender": .string(creator), "content": .object(content),
            "origin_server_ts": .int(ts), "depth": 1, "prev_events": [], "auth_events": [],
        ]
        var roomId: String? = nil
        if !version.roomIDFromCreateEvent {
            let id = "!\(RandomID.letters(18)):\(serverName)"
            draft["room_id"] = .string(id)
            roomId = id
        }
        if !version.eventIDIsHash { draft["event_id"] = .string("$\(RandomID.letters(18)):\(serverName)") }
        let pdu: PDU
        do {
            pdu = try EventBuilder.build(draft, roomVersion: version, server: serverName, key: signingKey)
        } catch {
            throw MatrixError.badJSON("cannot build the create event: \(error)")
        }
        guard let id = roomId ?? pdu.resolvedRoomId else { throw MatrixError.unknown("no room ID for the new room") }
        if case .reject(let reason) = AuthRules.check(pdu, state: { _ in nil }) {
            throw MatrixError.badJSON("the create event is not valid: \(reason)")
        }
        return (id, pdu)
    }

    @discardableResult
    /// Builds, authorises, persists and announces a local event. Refusals by the authorisation rules
    /// are 403 `M_FORBIDDEN` with the rule's reason. `countersign`, when given, sees the signed event
    /// before it is persisted and returns the version to keep (an invite signed by the invitee's server
    /// too); if it throws, nothing is stored.
    public func send(roomId: String, _ event: LocalEvent,
                     countersign: (@Sendable (PDU) async throws -> PDU)? = nil) async throws -> SentEvent {
        try await queue.run(roomId) { [self] in
            guard let prepared = try await prepare(roomId: roomId, event) else {
                throw MatrixError.notFound("Unknown room \(roomId)")
            }
            if let earlier = prepared.context.earlierEvent {
                return SentEvent(eventId: earlier, streamPos: nil, isNew: false)
            }
            var pdu: PDU
            do {
                pdu = try EventBuilder.build(prepared.draft, roomVersion: prepared.version, server: serverName,
                                             key: signingKey)
            } catch let error as EventFormatError {
                if case .tooLarge = error.problem { throw MatrixError.tooLarge("The event is too large: \(error)") }
                if case .tooLong = error.problem { throw MatrixError.tooLarge("A field is too long: \(error)") }
                throw MatrixError.badJSON("invalid event: \(error)")
            }
            if case .reject(let reason) = AuthRules.check(pdu, state: { prepared.stateEvents[$0] }) {
                throw MatrixError.forbidden(reason)
            }
            if let countersign {
                let signed = try await countersign(pdu)
                guard signed.eventId == pdu.eventId else {
                    throw MatrixError("M_UNKNOWN", "The countersigned event is a different event", status: 502)
                }
                pdu = signed
            }
            let extremities = prepared.context.extremities
            let used = Set(prepared.prevs)
            let remaining = extremities.map(\.eventId).filter { !used.contains($0) }
            let persisted = try await persist(
                pdu, room: prepared.context.room, status: .accepted, stateBefore: prepared.current,
                currentState: .stateAfterEvent(extremities: remaining + [pdu.eventId],
                                               memberships: Self.membershipWrites(pdu)),
                transaction: event.transaction)
            return SentEvent(eventId: pdu.eventId, streamPos: persisted.streamPos, isNew: true)
        }
    }

    /// A local event's unsigned draft: prev events from the forward extremities, depth, auth events from
    /// current state (v1/v2 references with hashes and an event ID of ours). Nil for an unknown room.
    struct PreparedEvent {
        let draft: JSONObject
        let version: RoomVersion
        let context: SendContext
        let current: Int64
        let prevs: [String]
        /// The current state events the auth rules need.
        let stateEvents: [StateTuple: PDU]
    }

    func prepare(roomId: String, _ event: LocalEvent) async throws -> PreparedEvent? {
        // One read for everything; the state keys are asked for as room version 11 would need them,
        // which covers what every version's rules may ask (v11 adds the create event and
        // restricted-join authorisers to the rest).
        let create = StateTuple(type: "m.room.create", stateKey: "")
        let probe = PDU(eventId: "", roomVersion: .v11, json: [
            "type": .string(event.type), "sender": .string(event.sender), "content": .object(event.content),
            "state_key": event.stateKey.map(JSONValue.string) ?? .null,
        ])
        guard let context = try await store.sendContext(
            roomId: roomId, transaction: event.transaction,
            tuples: AuthRules.authStateTuples(for: probe) + [create]),
            let version = RoomVersion.named(context.room.version), let current = context.room.currentSnapshot
        else { return nil }
        let prevs = Array(context.extremities.prefix(EventFormat.maxPrevEvents))
        var draft: JSONObject = [
            "type": .string(event.type), "room_id": .string(roomId), "sender": .string(event.sender),
            "content": .object(event.content), "origin_server_ts": .int(nowMs()),
            "depth": .int(min((prevs.map(\.depth).max() ?? 0) + 1, JSONParser.maxSafeInteger)),
        ]
        if let stateKey = event.stateKey { draft["state_key"] = .string(stateKey) }
        if let redacts = event.redacts {
            if version.redaction == .v11 {
                var content = event.content
                content["redacts"] = .string(redacts)
                draft["content"] = .object(content)
            } else {
                draft["redacts"] = .string(redacts)
            }
        }
        let draftPDU = PDU(eventId: "", roomVersion: version, json: draft)
        let tuples = AuthRules.authStateTuples(for: draftPDU)
        var stateIds: [StateTuple: String] = [:]
        for tuple in tuples + [create] { stateIds[tuple] = context.state[tuple] }
        let loader = loader(version)
        let stateEvents = try await loader.events(of: stateIds)
        let authIds = tuples.compactMap { stateIds[$0] }
        if version.eventIDIsHash {
            draft["prev_events"] = .array(prevs.map { .string($0.eventId) })
            draft["auth_events"] = .array(authIds.map { .string($0) })
        } else {
            draft["event_id"] = .string("$\(RandomID.letters(18)):\(serverName)")
            draft["prev_events"] = .array(try await prevs.asyncMap { try await Self.v1Reference($0.eventId, loader) })
            draft["auth_events"] = .array(try await authIds.asyncMap { try await Self.v1Reference($0, loader) })
        }
        return PreparedEvent(draft: draft, version: version, context: context, current: current,
                             prevs: prevs.map(\.eventId), stateEvents: stateEvents)
    }

    /// v1/v2 reference a prev or auth event as `[id, {"sha256": hash}]`.
    private static func v1Reference(_ id: String, _ loader: RoomEventLoader) async throws -> JSONValue {
        let hashes = try await loader.event(id)?.json["hashes"] ?? .object([:])
        return .array([.string(id), hashes])
    }

    static func membershipWrites(_ pdu: PDU) -> [MembershipWrite] {
        guard pdu.type == "m.room.member", let target = pdu.stateKey, let membership = pdu.membership else { return [] }
        return [MembershipWrite(userId: target, membership: membership, eventId: pdu.eventId)]
    }

    // MARK: Remote events

    /// Processes a fully-formed event from another server: format, signatures, content hash, auth
    /// against its auth events, against the state before it, and against current state (soft failure).
    /// `roomVersion` is the room's version when the caller knows it (a create event brings its own).
    /// `statesAfterMissingPrevs` gives, for prev events we do not hold, the state after each as the server
    /// that sent the event told it (`/state_ids`); it closes a gap `get_missing_events` could not.
    public func receive(_ json: JSONObject, statesAfterMissingPrevs: [String: [StateTuple: String]] = [:])
        async throws -> ReceiveOutcome
    {
        let isCreate = json["type"]?.stringValue == "m.room.create"
        let claimedRoom: String? = json["room_id"]?.stringValue
        let version: RoomVersion
        if let claimedRoom, let room = try await store.room(id: claimedRoom) {
            guard let known = RoomVersion.named(room.version) else {
                throw ReceiveError.invalidEvent("room \(claimedRoom) has unsupported version \(room.version)")
            }
            version = known
        } else if isCreate {
            let named = json["content"]?["room_version"]?.stringValue ?? "1"
            guard let known = RoomVersion.named(named) else {
                throw ReceiveError.invalidEvent("unsupported room version \(named)")
            }
            version = known
        } else {
            throw ReceiveError.unknownRoom(claimedRoom ?? "(none)")
        }
        var pdu: PDU
        do {
            pdu = try PDU(json: json, roomVersion: version)
        } catch {
            throw ReceiveError.invalidEvent(error.description)
        }
        try await verifySignatures(pdu)
        if (try? ContentHash.check(pdu.json, roomVersion: version)) == nil {
            // The signature covers the redacted form, which is genuine; the content is not.
            logger.info("content hash mismatch: keeping the redacted event", metadata: ["event": "\(pdu.eventId)"])
            pdu = PDU(eventId: pdu.eventId, roomVersion: version, json: Redaction.redact(pdu.json, roomVersion: version))
        }
        guard let roomId = pdu.resolvedRoomId else { throw ReceiveError.invalidEvent("no room ID") }
        let received = pdu
        return try await queue.run(roomId) { [self] in
            if try await store.event(id: received.eventId) != nil { return .alreadyKnown(eventId: received.eventId) }
            if received.type == "m.room.create", received.stateKey == "" {
                return try await receiveCreate(received, roomId: roomId)
            }
            guard let room = try await store.room(id: roomId) else { throw ReceiveError.unknownRoom(roomId) }
            return try await receiveInRoom(received, room: room, statesAfterMissingPrevs: statesAfterMissingPrevs)
        }
    }

    func verifySignatures(_ pdu: PDU) async throws {
        for server in EventSigning.requiredSigners(pdu.json, roomVersion: pdu.roomVersion) {
            try await verifySignature(of: pdu, by: server)
        }
    }

    /// Checks that `server` signed the event with one of its keys valid at the event's timestamp;
    /// `ReceiveError.badSignature` otherwise.
    public func verifySignature(of pdu: PDU, by server: String) async throws {
        let keyIds = JSONSigning.signingKeyIds(in: pdu.json, by: server).filter { $0.hasPrefix("ed25519:") }
        // Room versions 1 to 4 ignore keys' validity periods (the spec, and Synapse passes 0 too).
        let validAtMs = pdu.roomVersion.enforceKeyValidity ? pdu.originServerTs : 0
        var problems: [String] = []
        for keyId in keyIds {
            guard let key = try await keys.verifyKey(server: server, keyId: keyId, validAtMs: validAtMs)
            else { problems.append("\(server) key \(keyId) is unknown"); continue }
            do {
                try EventSigning.verify(pdu.json, roomVersion: pdu.roomVersion, signedBy: server, with: key)
                return
            } catch {
                problems.append(error.description)
            }
        }
        throw ReceiveError.badSignature(
            "\(pdu.eventId) lacks a valid signature of \(server)"
                + (problems.isEmpty ? "" : ": " + problems.joined(separator: "; ")))
    }

    private func receiveCreate(_ pdu: PDU, roomId: String) async throws -> ReceiveOutcome {
        if case .reject(let reason) = AuthRules.check(pdu, state: { _ in nil }) {
            // There is no room to store a rejected create event in.
            throw ReceiveError.invalidEvent("create event refused: \(reason)")
        }
        if try await store.room(id: roomId) != nil {
            throw ReceiveError.invalidEvent("room \(roomId) already has a create event")
        }
        let room = try await store.createRoom(roomId: roomId, version: pdu.roomVersion.identifier, nowMs: nowMs())
        let persisted = try await persist(pdu, room: room, status: .accepted, stateBefore: room.currentSnapshot,
                                          currentState: .stateAfterEvent(extremities: [pdu.eventId], memberships: []))
        return .accepted(eventId: pdu.eventId, streamPos: persisted.streamPos ?? 0)
    }

    func receiveInRoom(_ pdu: PDU, room: RoomRecord, statesAfterMissingPrevs: [String: [StateTuple: String]] = [:])
        async throws -> ReceiveOutcome
    {
        let version = pdu.roomVersion
        let loader = loader(version)
        let createTuple = StateTuple(type: "m.room.create", stateKey: "")
        guard let current = room.currentSnapshot else { throw ReceiveError.unknownRoom(room.roomId) }

        // 1. Against its own auth events (all must be stored; judged once the state before is stored too).
        let decisionOnAuthEvents = try await checkAgainstAuthEvents(pdu, room: room)

        // 2. The state before it: the state after its prev event, or the resolution of several.
        let prevStored = try await store.events(ids: pdu.prevEvents)
        let missingPrev = pdu.prevEvents.filter { prevStored[$0]?.stateAfter == nil }
        let unexplained = missingPrev.filter { statesAfterMissingPrevs[$0] == nil }
        if !unexplained.isEmpty { throw ReceiveError.missingPrevEvents(unexplained) }
        let prevSnapshots = Array(Set(pdu.prevEvents.compactMap { prevStored[$0]?.stateAfter }))
        let fetchedStates = missingPrev.compactMap { statesAfterMissingPrevs[$0] }
        let stateBefore: Int64
        var resolvedBefore: [StateTuple: String]? = nil
        if prevSnapshots.count == 1, fetchedStates.isEmpty {
            stateBefore = prevSnapshots[0]
        } else {
            var sets: [[StateTuple: String]] = []
            for snapshot in prevSnapshots { sets.append(try await store.state(snapshot: snapshot)) }
            sets += fetchedStates
            let resolved = sets.count == 1
                ? sets[0] : try await StateResolution.resolve(roomVersion: version, stateSets: sets, lookup: loader)
            // New snapshots derive from a stored one: a prev event's, or current state's when none is held.
            guard let base = prevSnapshots.first ?? room.currentSnapshot else { throw ReceiveError.unknownRoom(room.roomId) }
            let baseState = prevSnapshots.isEmpty ? try await store.state(snapshot: base) : sets[0]
            stateBefore = try await store.deriveSnapshot(
                roomNid: room.nid, from: base, changes: Self.changes(from: baseState, to: resolved))
            resolvedBefore = resolved
        }

        if case .reject(let reason) = decisionOnAuthEvents {
            _ = try await persist(pdu, room: room, status: .rejected, rejection: reason, stateBefore: stateBefore,
                                  currentState: .unchanged)
            return .rejected(eventId: pdu.eventId, reason: "against its auth events: \(reason)")
        }

        // 3. Against the state before it.
        let tuples = AuthRules.authStateTuples(for: pdu) + [createTuple]
        var beforeIds: [StateTuple: String] = [:]
        if let resolvedBefore {
            for tuple in tuples { beforeIds[tuple] = resolvedBefore[tuple] }
        } else {
            beforeIds = try await store.state(snapshot: stateBefore, tuples: tuples)
        }
        let beforeEvents = try await loader.events(of: beforeIds)
        if case .reject(let reason) = AuthRules.check(pdu, state: { beforeEvents[$0] }) {
            _ = try await persist(pdu, room: room, status: .rejected, rejection: reason, stateBefore: stateBefore,
                                  currentState: .unchanged)
            return .rejected(eventId: pdu.eventId, reason: "against the state before it: \(reason)")
        }

        // 4. Against current state: failing here soft-fails (kept, not served).
        let currentIds = try await store.state(snapshot: current, tuples: tuples)
        let currentEvents = try await loader.events(of: currentIds)
        if case .reject(let reason) = AuthRules.check(pdu, state: { currentEvents[$0] }) {
            _ = try await persist(pdu, room: room, status: .softFailed, rejection: reason, stateBefore: stateBefore,
                                  currentState: .unchanged)
            return .softFailed(eventId: pdu.eventId, reason: reason)
        }

        // 5. Accepted: the forward extremities and current state move.
        let extremities = try await store.forwardExtremities(roomNid: room.nid).map(\.eventId)
        let prevSet = Set(pdu.prevEvents)
        let remaining = extremities.filter { !prevSet.contains($0) }
        let currentState: CurrentStateWrite
        if remaining.isEmpty {
            currentState = .stateAfterEvent(extremities: [pdu.eventId], memberships: Self.membershipWrites(pdu))
        } else {
            currentState = try await resolveCurrentState(
                pdu, room: room, stateBefore: stateBefore, resolvedBefore: resolvedBefore,
                otherExtremities: remaining, current: current, loader: loader)
        }
        let persisted = try await persist(pdu, room: room, status: .accepted, stateBefore: stateBefore,
                                          currentState: currentState)
        return .accepted(eventId: pdu.eventId, streamPos: persisted.streamPos ?? 0)
    }

    /// Current state when the event leaves other extremities standing: the resolution of the state
    /// after each of them and after the event, as changes to the current snapshot.
    private func resolveCurrentState(
        _ pdu: PDU, room: RoomRecord, stateBefore: Int64, resolvedBefore: [StateTuple: String]?,
        otherExtremities: [String], current: Int64, loader: RoomEventLoader
    ) async throws -> CurrentStateWrite {
        var after: [StateTuple: String]
        if let resolvedBefore { after = resolvedBefore } else { after = try await store.state(snapshot: stateBefore) }
        if let tuple = pdu.stateTuple { after[tuple] = pdu.eventId }
        var sets = [after]
        let others = try await store.events(ids: otherExtremities)
        for snapshot in Set(others.values.compactMap(\.stateAfter)) {
            sets.append(try await store.state(snapshot: snapshot))
        }
        // The event's own state is not in storage yet: resolution must find it.
        await cache.put(pdu, jsonBytes: 1024)
        let resolved = try await StateResolution.resolve(roomVersion: pdu.roomVersion, stateSets: sets, lookup: loader)
        let currentMap = try await store.state(snapshot: current)
        let changes = Self.changes(from: currentMap, to: resolved)
        var memberships: [MembershipWrite] = []
        for (tuple, id) in changes where tuple.type == "m.room.member" {
            guard let id else { continue }
            let event = id == pdu.eventId ? pdu : try await loader.event(id)
            guard let membership = event?.membership else { continue }
            memberships.append(MembershipWrite(userId: tuple.stateKey, membership: membership, eventId: id))
        }
        return .resolved(extremities: otherExtremities + [pdu.eventId], changes: changes, memberships: memberships)
    }

    static func changes(from old: [StateTuple: String], to new: [StateTuple: String]) -> [StateTuple: String?] {
        var changes: [StateTuple: String?] = [:]
        for (tuple, id) in new where old[tuple] != id { changes[tuple] = .some(id) }
        for tuple in old.keys where new[tuple] == nil { changes[tuple] = .some(nil) }
        return changes
    }

    // MARK: Persisting

    @discardableResult
    func persist(_ pdu: PDU, room: RoomRecord, status: EventStatus, rejection: String? = nil,
                         stateBefore: Int64?, currentState: CurrentStateWrite,
                         transaction: TransactionKey? = nil, backfilled: Bool = false) async throws -> PersistedEvent {
        let bytes = CanonicalJSON.encodeLenient(.object(pdu.json))
        let relation = pdu.content["m.relates_to"]?.objectValue
        var write = EventWrite(
            roomNid: room.nid, eventId: pdu.eventId, type: pdu.type, stateKey: pdu.stateKey, sender: pdu.sender,
            depth: pdu.depth, originServerTs: pdu.originServerTs, receivedTs: nowMs(), json: bytes,
            prevEvents: pdu.prevEvents, authEvents: pdu.authEvents, status: status, rejection: rejection,
            stateBefore: stateBefore, addsToState: pdu.isState && status != .rejected,
            redacts: pdu.type == "m.room.redaction" ? try await applicableRedaction(pdu, stateBefore: stateBefore) : nil,
            relatesTo: relation?["event_id"]?.stringValue, relType: relation?["rel_type"]?.stringValue,
            transaction: transaction, currentState: currentState)
        write.backfilled = backfilled
        let persisted = try await store.persist(write)
        await cache.put(pdu, jsonBytes: bytes.count)
        // History is not news: only events past everything seen are announced.
        if status == .accepted, !backfilled, let streamPos = persisted.streamPos, let roomId = pdu.resolvedRoomId {
            await announcements.announce(RoomAnnouncement(roomId: roomId, event: pdu, streamPos: streamPos))
        }
        return persisted
    }

    /// The event a redaction may redact: from room version 3 the rules let any redaction in and leave
    /// it to the server to apply it only when the redacting user may (same server as the redacted
    /// event's sender, or the redact power level). A target we do not have yet is checked by server.
    private func applicableRedaction(_ pdu: PDU, stateBefore: Int64?) async throws -> String? {
        guard let target = pdu.redacts else { return nil }
        let targetEvent = try await loader(pdu.roomVersion).event(target)
        if let targetEvent, targetEvent.roomId != pdu.roomId { return nil }
        let senderServer = matrixIDDomainOf(pdu.sender)
        if let targetEvent, matrixIDDomainOf(targetEvent.sender) == senderServer { return target }
        if targetEvent == nil, matrixIDDomainOf(target) == senderServer, !pdu.roomVersion.eventIDIsHash { return target }
        guard let stateBefore else { return nil }
        let tuples = [StateTuple(type: "m.room.power_levels", stateKey: ""), StateTuple(type: "m.room.create", stateKey: "")]
        let state = try await loader(pdu.roomVersion).events(of: try await store.state(snapshot: stateBefore, tuples: tuples))
        let levels = PowerLevels(powerLevelsEvent: state[tuples[0]], createEvent: state[tuples[1]])
        return levels.canRedact(pdu.sender) ? target : nil
    }
}

/// The server part of a user ID, room alias or v1/v2 event ID.
public func matrixIDDomainOf(_ id: String) -> String? {
    id.firstIndex(of: ":").map { String(id[id.index(after: $0)...]) }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
