import MatrixCore
import MyelinAccounts
import MyelinEphemeral
import MyelinPush
import MyelinRooms
import MyelinStorage

/// One `/sync` answer between `request.since` (nil: an initial sync) and `now`.
struct SyncResponseBuilder {
    let service: SyncService
    let requester: Requester
    let request: SyncRequest
    let now: SyncToken
    /// What was read for this round before it started (positions, memberships, ignore list, devices).
    let snapshot: SyncSnapshot

    /// The user's `m.ignored_user_list`: their messages and invites are left out.
    var ignored: Set<String> { snapshot.ignoredUsers }

    struct Response {
        var json: JSONObject
        /// Nothing for the client: an incremental sync may keep waiting.
        var isEmpty: Bool
    }

    var since: SyncToken? { request.fullState ? nil : request.since }
    var filter: Filter { request.filter }
    var store: RoomEventStore { service.rooms.store }

    func build() async throws -> Response {
        var join: JSONObject = [:]
        var invite: JSONObject = [:]
        var leave: JSONObject = [:]
        var knock: JSONObject = [:]
        // Nothing to read when the stream has not moved since the client's token.
        let accountChanges = since.map { $0.accountData >= now.accountData } ?? false
            ? AccountChanges() : try await accountDataChanges()
        let roomsWithEvents = snapshot.roomsWithEvents
        let baseline = request.since?.rooms ?? 0
        let memberships = snapshot.memberships.filter { !$0.forgotten }
        let joinedIds = memberships.filter { $0.membership == "join" && $0.streamPos <= now.rooms }.map(\.roomId)
        let ephemeral = service.ephemeral
        let typing = await ephemeral.typing.update(since: since?.typing, in: Set(joinedIds))
        let receipts = try await ephemeral.receipts.update(viewer: requester.userId, roomIds: joinedIds,
                                                           since: since?.receipts, upTo: now.receipts)
        let presence = try await ephemeral.presence.update(viewer: requester.userId, since: since?.presence,
                                                           upTo: now.presence)
        let devices = deviceSections()
        // Where the user's own receipt moved, their unread counts changed: those rooms must be in the answer.
        let readRooms = since == nil ? [] : receipts.roomsWithReceipts(of: requester.userId)
        var newRoomMates: Set<String> = []
        for membership in memberships {
            guard membership.streamPos <= now.rooms, filter.room.includesRoom(membership.roomId) else { continue }
            let changedSince = since.map { membership.streamPos > $0.rooms } ?? true
            let roomAccountData = accountChanges.rooms[membership.roomId] ?? []
            switch membership.membership {
            case "join":
                // Not only a join after the token: a profile change (join to join) is an ordinary state event.
                let isNewJoin = !wasJoinedAtToken(membership)
                let hasEvents = roomsWithEvents?.contains(membership.roomNid) ?? true
                var ephemeralEvents: [JSONValue] = []
                if let users = typing.rooms[membership.roomId] {
                    ephemeralEvents.append(["type": "m.typing", "content": ["user_ids": .array(users.map(JSONValue.string))]])
                }
                if let content = receipts.rooms[membership.roomId] {
                    ephemeralEvents.append(["type": "m.receipt", "content": .object(content)])
                }
                guard request.fullState || isNewJoin || hasEvents || !roomAccountData.isEmpty || !ephemeralEvents.isEmpty
                    || readRooms.contains(membership.roomId)
                else { continue }
                newRoomMates.formUnion(
                    try await usersNewlySharing(membership, isNewJoin: isNewJoin, hasEvents: hasEvents))
                let room = try await service.rooms.room(membership.roomId)
                var entry = try await timelineAndState(
                    room, after: isNewJoin || request.fullState ? 0 : baseline, upTo: now.rooms,
                    fullState: isNewJoin || request.fullState || since == nil)
                entry["account_data"] = ["events": .array(roomAccountData.map(JSONValue.object))]
                entry["ephemeral"] = ["events": .array(ephemeralEvents)]
                // The summary only when membership may have changed (the spec lets it be omitted otherwise).
                if isNewJoin || request.fullState || Self.hasMemberEvents(entry) {
                    let summary = try await store.memberSummary(roomNid: room.nid, viewer: requester.userId, heroes: 5)
                    entry["summary"] = .object(Self.summaryJSON(summary))
                    if filter.room.state.lazyLoadMembers {
                        try await addHeroMembers(&entry, heroes: summary.heroes, room: room, upTo: now.rooms)
                    }
                }
                entry.merge(try await unreadNotifications(room))
                join[membership.roomId] = .object(entry)
            case "invite", "knock":
                guard changedSince else { continue }
                if membership.membership == "invite", let invite = try await store.event(nid: membership.eventNid),
                    ignored.contains(invite.sender)
                {
                    continue
                }
                let room = try await service.rooms.room(membership.roomId)
                let stripped = try await service.strippedState(room, memberEventNid: membership.eventNid, viewer: requester)
                if membership.membership == "invite" {
                    invite[membership.roomId] = ["invite_state": ["events": .array(stripped.map(JSONValue.object))]]
                } else {
                    knock[membership.roomId] = ["knock_state": ["events": .array(stripped.map(JSONValue.object))]]
                }
            case "leave", "ban":
                let include = since == nil ? filter.room.includeLeave : changedSince
                guard include else { continue }
                let room = try await service.rooms.room(membership.roomId)
                // A departed user sees the room up to their departure. A room they joined and left after the
                // token is new to the client: it comes whole, as a new join does.
                let whole = since == nil || (!wasJoinedAtToken(membership)
                    && snapshot.membershipsSince[membership.roomNid]?.joinedAfter == true)
                var entry = try await timelineAndState(
                    room, after: whole ? 0 : baseline, upTo: min(membership.streamPos, now.rooms), fullState: whole)
                entry["account_data"] = ["events": .array(roomAccountData.map(JSONValue.object))]
                leave[membership.roomId] = .object(entry)
            default:
                continue
            }
        }
        // The ephemeral answers may stop short of `now` (their limits): the next sync resumes there.
        var next = now
        next.typing = typing.position
        next.receipts = receipts.position
        next.presence = presence.position
        next.toDevice = devices.toDevicePosition
        var json: JSONObject = ["next_batch": .string(next.description)]
        json["rooms"] = ["join": .object(join), "invite": .object(invite), "leave": .object(leave),
                         "knock": .object(knock)]
        json["account_data"] = ["events": .array(accountChanges.global.map(JSONValue.object))]
        let roomMates = try await roomMatePresence(newRoomMates, besides: presence)
        let presenceEvents = filter.presence.excludesEverything ? [] : (presence.events + roomMates).filter {
            filter.presence.matches(type: "m.presence", sender: $0["sender"]?.stringValue)
        }
        json["presence"] = ["events": .array(presenceEvents.map(JSONValue.object))]
        devices.write(into: &json)
        let isEmpty = join.isEmpty && invite.isEmpty && leave.isEmpty && knock.isEmpty && accountChanges.global.isEmpty
            && presenceEvents.isEmpty && !devices.hasNews
        return Response(json: json, isEmpty: isEmpty)
    }

    // MARK: Rooms

    /// Whether the user was joined to the room at the client's token: the client then holds the room's
    /// state, and the room comes as what changed since.
    private func wasJoinedAtToken(_ membership: UserMembership) -> Bool {
        guard let token = request.since else { return false }
        if membership.streamPos <= token.rooms { return membership.membership == "join" }
        return snapshot.membershipsSince[membership.roomNid]?.atToken == "join"
    }

    /// `timeline` and `state` (or `state_after`) of a room for events in (after, upTo]: the timeline as
    /// `timeline(_:after:upTo:limit:)` chooses it, the state as `stateIds` works it out (whole with
    /// `fullState`, else what changed since `after`).
    private func timelineAndState(_ room: RoomRecord, after: Int64, upTo: Int64, fullState: Bool) async throws
        -> JSONObject
    {
        let limit = Int(min(filter.room.timeline.limit ?? 10, 1000))
        let scan = try await timeline(room, after: after, upTo: upTo, limit: limit)
        let timeline = scan.events
        let limited = scan.limited
        let timelineIds = Set(timeline.map(\.eventId))
        let stateIds = try await stateIds(room, timeline: scan, after: after, upTo: upTo, fullState: fullState)
        // `state` leaves out what the timeline shows; `state_after` is complete on its own.
        let stateStored = try await store.events(ids: stateIds.values.filter {
            request.useStateAfter || !timelineIds.contains($0)
        })
        var stateEvents: [StoredEvent] = []
        for event in stateStored.values.sorted(by: { ($0.streamPos ?? 0) < ($1.streamPos ?? 0) })
        where try await matches(event, filter.room.state, room: room) {
            stateEvents.append(event)
        }
        let prevBatch = timeline.first.flatMap(TimelinePosition.before).map(PaginationToken.at)
            ?? PaginationToken.at(TimelinePosition(depth: Int64.max, stream: upTo))
        return [
            "timeline": [
                "events": .array(try await formatted(timeline, room: room, aggregations: true).map(JSONValue.object)),
                "limited": .bool(limited), "prev_batch": .string(prevBatch),
            ],
            request.useStateAfter ? "state_after" : "state":
                ["events": .array(try await formatted(stateEvents, room: room).map(JSONValue.object))],
        ]
    }

    /// Events in the filter's `event_format` (client, or the PDU as federation carries it, redacted when
    /// redacted), cut down to its `event_fields`.
    /// `aggregations`: bundle edits and references (timeline events; state events have none to bundle).
    func formatted(_ events: [StoredEvent], room: RoomRecord, aggregations: Bool = false) async throws
        -> [JSONObject]
    {
        var result: [JSONObject]
        switch filter.eventFormat {
        case .client:
            result = try await service.rooms.clientEvents(events, room: room, viewer: requester)
            // Edits and references bundled as the spec asks of sync too (clients show edits from them).
            guard aggregations, !events.isEmpty else { break }
            let rooms = service.rooms
            let viewer = requester.userId
            try await rooms.bundleEditsAndReferences(&result, events: events, room: room, viewer: requester,
                                                     visible: { try await rooms.visibleEvents($0, room: room, userId: viewer) })
        case .federation:
            let version = try service.rooms.version(of: room)
            result = try events.map { event in
                guard case .object(let json) = try JSONParser.parse(event.json) else { return [:] }
                return event.redactedBy == nil ? json : Redaction.redact(json, roomVersion: version)
            }
        }
        if let fields = filter.eventFields { result = result.map(EventFields(fields).apply) }
        return result
    }

    func matches(_ event: StoredEvent, _ eventFilter: RoomEventFilter, room: RoomRecord) async throws -> Bool {
        // Only a content URL needs the event parsed; skip that when the filter does not ask.
        var containsURL = false
        if eventFilter.containsURL != nil, case .object(let json) = try JSONParser.parse(event.json),
            let content = json["content"]?.objectValue
        {
            containsURL = RoomEventFilter.contentHasURL(content)
        }
        return eventFilter.matches(type: event.type, sender: event.sender, roomId: room.roomId, containsURL: containsURL)
    }

    /// `unread_notifications` and, when the filter asks, `unread_thread_notifications` (main timeline
    /// apart, threads with nothing unread left out); otherwise every thread is summed into the first.
    private func unreadNotifications(_ room: RoomRecord) async throws -> JSONObject {
        let byThread = try await service.pushActions.unreadCounts(
            userNid: requester.userNid, userId: requester.userId, roomNid: room.nid, upTo: now.rooms)
        func json(_ count: UnreadCount) -> JSONValue {
            ["notification_count": .int(count.notifications), "highlight_count": .int(count.highlights)]
        }
        guard filter.room.timeline.unreadThreadNotifications else {
            return ["unread_notifications": json(byThread.values.reduce(UnreadCount(), +))]
        }
        var result: JSONObject = ["unread_notifications": json(byThread[String?.none] ?? UnreadCount())]
        var threads: JSONObject = [:]
        for case let (root?, count) in byThread where count.notifications > 0 { threads[root] = json(count) }
        if !threads.isEmpty { result["unread_thread_notifications"] = .object(threads) }
        return result
    }

    /// Heroes and member counts (`summary`).
    static func summaryJSON(_ summary: MemberSummary) -> JSONObject {
        [
            "m.heroes": .array(summary.heroes.map(JSONValue.string)),
            "m.joined_member_count": .int(Int64(summary.joined)),
            "m.invited_member_count": .int(Int64(summary.invited)),
        ]
    }

    /// Whether a room entry's timeline or state holds a member event.
    static func hasMemberEvents(_ entry: JSONObject) -> Bool {
        ["timeline", "state", "state_after"].contains { section in
            entry[section]?["events"]?.arrayValue?.contains { $0["type"] == "m.room.member" } ?? false
        }
    }

    static func stripped(_ event: PDU) -> JSONObject {
        ["type": .string(event.type), "state_key": .string(event.stateKey ?? ""), "content": .object(event.content),
         "sender": .string(event.sender)]
    }

    static func stripped(_ event: JSONObject) -> JSONObject {
        var result: JSONObject = [:]
        for key in ["type", "state_key", "content", "sender", "event_id", "origin_server_ts"] { result[key] = event[key] }
        return result
    }

    // MARK: Account data

    private struct AccountChanges {
        var global: [JSONObject] = []
        var rooms: [String: [JSONObject]] = [:]
    }

    /// The user's push rules as the `m.push_rules` account data event a first sync carries.
    static func pushRulesEvent(for userId: String) -> JSONObject {
        ["type": "m.push_rules", "content": ["global": .object(PushRuleSet.serverDefault(for: userId).json)]]
    }

    private func accountDataChanges() async throws -> AccountChanges {
        // Initial syncs read the whole stream up to now; each entry appears once, at its latest write.
        let entries = try await service.accountData.changes(
            userNid: requester.userNid, after: since?.accountData ?? 0, upTo: now.accountData, limit: 10_000)
        var changes = AccountChanges()
        // The push rules live with the server (no client may write them as account data); clients read
        // them from the first sync, Element Web before anything else. They are the spec's defaults until
        // the push rules API lets users change them.
        if since == nil, filter.accountData.matches(type: "m.push_rules", sender: nil) {
            changes.global.append(Self.pushRulesEvent(for: requester.userId))
        }
        for entry in entries {
            guard case .object(let content) = try JSONParser.parse(entry.content) else { continue }
            let event: JSONObject = ["type": .string(entry.type), "content": .object(content)]
            if let roomId = entry.roomId {
                changes.rooms[roomId, default: []].append(event)
            } else if filter.accountData.matches(type: entry.type, sender: nil) {
                changes.global.append(event)
            }
        }
        return changes
    }
}
