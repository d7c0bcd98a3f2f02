import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

/// One room of a sliding sync answer (MSC4186 "Room results", with the field names Synapse and
/// Element X use): on a room's first answer on the connection (`initial`) its name, avatar, heroes,
/// counts, the state its config asks for and its latest events; afterwards only what changed.
struct SlidingRoomResultBuilder {
    let sync: SyncService
    let requester: Requester
    let entry: SlidingRoomEntry
    let config: SlidingRoomConfig
    /// The room position the client is up to date with in this room; nil: send the room afresh.
    let fromBound: Int64?
    /// The connection's position (events after it are live).
    let fromRooms: Int64?
    let now: SyncToken
    /// The timeline limit grew since the room was last sent: send the latest events again.
    let expandedTimeline: Bool
    /// The config the room was last sent with.
    let previousConfig: SlidingRoomConfig?
    /// Members whose state lazy loading already sent on this connection.
    let knownLazyMembers: Set<String>
    let ignoredUsers: Set<String>

    struct Result {
        var json: JSONObject
        /// Worth sending on an incremental answer.
        var hasNews: Bool
        /// Members whose state this answer sent for lazy loading.
        var lazyMembersSent: Set<String>
        /// Members whose state changed but was not sent (their lazy-loading record is stale).
        var lazyMembersInvalidated: Set<String>
        var limited: Bool
    }

    private var store: RoomEventStore { sync.rooms.store }
    private var me: String { requester.userId }
    private var initial: Bool { fromBound == nil }

    func build() async throws -> Result {
        let membership = entry.membership
        let room = try await sync.rooms.room(membership.roomId)
        var json: JSONObject = [:]
        if initial { json["initial"] = true }
        if entry.isDM { json["is_dm"] = true }
        if membership.membership == "invite" || membership.membership == "knock" {
            let stripped = try await sync.strippedState(room, memberEventNid: membership.eventNid, viewer: requester)
            // Stripped events carry only type, state key, sender and content here (Synapse's strip_event).
            json["invite_state"] = .array(stripped.map { event in
                var event = event
                event["event_id"] = nil
                event["origin_server_ts"] = nil
                return .object(event)
            })
            // What the stripped state names the room (Synapse sends these for invites too).
            if let name = entry.facts.name, !name.isEmpty { json["name"] = .string(name) }
            json["bump_stamp"] = .int(max(0, membership.streamPos))
            json["notification_count"] = 0
            json["highlight_count"] = 0
            return Result(json: json, hasNews: true, lazyMembersSent: [], lazyMembersInvalidated: [], limited: false)
        }
        let joined = membership.membership == "join"
        let toBound = joined ? now.rooms : min(membership.streamPos, now.rooms)
        // The state the room is shown at: now for a member, at their departure for others.
        let target = joined
            ? room.currentSnapshot : try await store.event(nid: membership.eventNid)?.stateAfter

        // Timeline
        var timeline: [StoredEvent] = []
        var limited = false
        if config.timelineLimit > 0 {
            let limit = config.timelineLimit
            let after = initial || expandedTimeline ? 0 : fromBound ?? 0
            // More than the limit: history visibility and ignored users may drop some.
            let fetch = limit * 3 + 1
            let raw = try await store.streamEvents(roomNid: room.nid, after: after, upTo: toBound, limit: fetch)
            let visible = try await sync.rooms.visibleEvents(raw, room: room, userId: me, ignoring: ignoredUsers)
            timeline = Array(visible.prefix(limit).reversed())
            limited = visible.count > limit || raw.count == fetch
        }

        // State
        let request = config.requiredState
        let lazy = request.lazyMembers && !request.includesAllMembers
        var timelineMembers: Set<String> = []
        for event in timeline {
            timelineMembers.insert(event.sender)
            if event.type == "m.room.member", let target = event.stateKey { timelineMembers.insert(target) }
        }
        var selected: [StateTuple: String] = [:]
        var delta: [StateTuple: String] = [:]
        var lazyWanted: Set<String> = []
        var invalidated: Set<String> = []
        if let target {
            if let fromBound {
                delta = fromBound < toBound
                    ? try await store.stateChanges(roomNid: room.nid, after: fromBound, to: target) : [:]
                selected = delta.filter { request.includes(type: $0.key.type, stateKey: $0.key.stateKey, me: me) }
                if let previousConfig, request.expands(previousConfig.requiredState) {
                    let now = try await stateIds(snapshot: target, matching: request)
                    for (tuple, id) in now where !previousConfig.requiredState.includes(
                        type: tuple.type, stateKey: tuple.stateKey, me: me)
                    {
                        selected[tuple] = id
                    }
                }
                if lazy {
                    let memberChanges = Set(delta.keys.filter { $0.type == "m.room.member" }.map(\.stateKey))
                    lazyWanted = timelineMembers.subtracting(knownLazyMembers)
                    // A gapless answer carries every membership change (MSC4186, "Lazy loaded memberships").
                    if !limited { lazyWanted.formUnion(memberChanges) }
                    invalidated = memberChanges.subtracting(lazyWanted)
                }
            } else {
                selected = try await stateIds(snapshot: target, matching: request)
                if lazy { lazyWanted = timelineMembers }
            }
            lazyWanted.subtract(request.explicitMembers(me: me))
            if !lazyWanted.isEmpty {
                let members = try await store.state(
                    snapshot: target, tuples: lazyWanted.map { StateTuple(type: "m.room.member", stateKey: $0) })
                selected.merge(members) { current, _ in current }
            }
        }
        let changed = Set(delta.keys)
        let nameChanged = initial || changed.contains(StateTuple(type: "m.room.name", stateKey: ""))
        let avatarChanged = initial || changed.contains(StateTuple(type: "m.room.avatar", stateKey: ""))
        let membershipChanged = initial || changed.contains { $0.type == "m.room.member" }

        var hasNews = initial || expandedTimeline || !timeline.isEmpty
        if nameChanged, let name = entry.facts.name, !name.isEmpty {
            json["name"] = .string(name)
            hasNews = true
        }
        if avatarChanged, let target,
            let avatarId = try await store.state(snapshot: target, tuples: [StateTuple(type: "m.room.avatar", stateKey: "")]).values.first,
            let avatar = try await store.events(ids: [avatarId]).values.first,
            case .object(let event)? = try? JSONParser.parse(avatar.json),
            let url = event["content"]?["url"]?.stringValue, !url.isEmpty
        {
            json["avatar"] = .string(url)
            hasNews = true
        }
        if joined, membershipChanged {
            let summary = try await store.memberSummary(roomNid: room.nid, viewer: me, heroes: 5)
            json["joined_count"] = .int(Int64(summary.joined))
            json["invited_count"] = .int(Int64(summary.invited))
            hasNews = true
            if entry.facts.name?.isEmpty ?? true, let target, !summary.heroes.isEmpty {
                json["heroes"] = .array(try await heroes(summary.heroes, snapshot: target, room: room))
            }
        }

        // Timeline and state, in the client format without room IDs (the room is the key).
        if !timeline.isEmpty {
            var events = try await sync.rooms.clientEvents(timeline, room: room, viewer: requester)
            if limited {
                let rooms = sync.rooms
                let viewer = me
                try await rooms.bundleEditsAndReferences(&events, events: timeline, room: room, viewer: requester,
                                                         visible: { try await rooms.visibleEvents($0, room: room, userId: viewer) })
            }
            json["timeline"] = .array(events.map { JSONValue.object(Self.withoutRoomId($0)) })
        }
        if !selected.isEmpty {
            let stored = try await store.events(ids: Array(Set(selected.values)))
            let ordered = stored.values.sorted { ($0.streamPos ?? 0, $0.nid) < ($1.streamPos ?? 0, $1.nid) }
            let events = try await sync.rooms.clientEvents(ordered, room: room, viewer: requester)
            json["required_state"] = .array(events.map { JSONValue.object(Self.withoutRoomId($0)) })
            hasNews = true
        }
        if config.timelineLimit > 0 {
            json["limited"] = .bool(limited)
            json["prev_batch"] = .string(timeline.first.flatMap(TimelinePosition.before).map(PaginationToken.at)
                ?? PaginationToken.at(TimelinePosition(depth: Int64.max, stream: toBound)))
            let live = fromRooms.map { from in timeline.reversed().prefix { ($0.streamPos ?? 0) > from }.count } ?? 0
            json["num_live"] = .int(Int64(live))
        }
        if let bump = bumpStamp(timeline: timeline, joined: joined, limited: limited) {
            json["bump_stamp"] = .int(max(0, bump))
        }
        var counts = UnreadCount()
        if joined {
            counts = try await sync.pushActions.unreadCounts(userNid: requester.userNid, userId: me, roomNid: room.nid,
                                                             upTo: now.rooms)[String?.none] ?? UnreadCount()
        }
        json["notification_count"] = .int(counts.notifications)
        json["highlight_count"] = .int(counts.highlights)
        return Result(json: json, hasNews: hasNews, lazyMembersSent: lazyWanted, lazyMembersInvalidated: invalidated,
                      limited: limited)
    }

    /// As Synapse: the last bump event in the timeline; else, on a first or gappy answer (or for a room the
    /// user is not in), the room's last bump event or the membership change.
    private func bumpStamp(timeline: [StoredEvent], joined: Bool, limited: Bool) -> Int64? {
        if joined, let last = timeline.last(where: { RoomEventStore.bumpEventTypes.contains($0.type) }),
            let position = last.streamPos
        {
            return position
        }
        guard !joined || initial || limited else { return nil }
        return joined ? entry.facts.bumpStamp ?? entry.membership.streamPos : entry.membership.streamPos
    }

    /// The state of a snapshot that `request` asks for (lazy members apart), read as narrowly as it allows.
    private func stateIds(snapshot: Int64, matching request: RequiredStateRequest) async throws -> [StateTuple: String] {
        if request.isEmpty { return [:] }
        if request.includesEverything {
            return try await store.state(snapshot: snapshot)
        }
        var result: [StateTuple: String] = [:]
        var exact: [StateTuple] = []
        for (type, keys) in request.byType {
            if keys.contains(RequiredStateRequest.wildcard) {
                for (stateKey, id) in try await store.state(snapshot: snapshot, type: type) {
                    result[StateTuple(type: type, stateKey: stateKey)] = id
                }
                continue
            }
            for key in keys where key != RequiredStateRequest.lazy {
                exact.append(StateTuple(type: type, stateKey: key == RequiredStateRequest.me ? me : key))
            }
        }
        if !exact.isEmpty { result.merge(try await store.state(snapshot: snapshot, tuples: exact)) { a, _ in a } }
        return result
    }

    /// `heroes`: each with the display name and avatar of their member event.
    private func heroes(_ userIds: [String], snapshot: Int64, room: RoomRecord) async throws -> [JSONValue] {
        let ids = try await store.state(snapshot: snapshot,
                                        tuples: userIds.map { StateTuple(type: "m.room.member", stateKey: $0) })
        let events = try await store.events(ids: Array(ids.values))
        return userIds.map { userId in
            var hero: JSONObject = ["user_id": .string(userId)]
            if let id = ids[StateTuple(type: "m.room.member", stateKey: userId)], let event = events[id],
                case .object(let json)? = try? JSONParser.parse(event.json), let content = json["content"]?.objectValue
            {
                if let name = content["displayname"]?.stringValue { hero["displayname"] = .string(name) }
                if let avatar = content["avatar_url"]?.stringValue { hero["avatar_url"] = .string(avatar) }
            }
            return .object(hero)
        }
    }

    static func withoutRoomId(_ event: JSONObject) -> JSONObject {
        var event = event
        event["room_id"] = nil
        return event
    }
}
