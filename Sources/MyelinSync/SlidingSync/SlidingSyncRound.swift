import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

/// One sliding sync answer: the lists' windows over the user's rooms, the rooms among them (and the
/// subscribed ones) with something the connection has not been sent, the extensions, and the
/// connection state that answer leaves behind.
struct SlidingSyncRound {
    let service: SlidingSyncService
    let requester: Requester
    let request: SlidingSyncRequest
    let previous: SlidingConnectionState

    struct Result {
        var json: JSONObject
        var streams: SyncToken
        var state: SlidingConnectionState
        /// Nothing for the client: a long-poll may keep waiting.
        var isEmpty: Bool
    }

    private var sync: SyncService { service.sync }
    private var from: SyncToken? { request.pos?.streams }
    private var me: String { requester.userId }

    func build() async throws -> Result {
        let toDevice = request.extensions.toDevice
        var snapshotRequest = SyncSnapshot.Request(
            userNid: requester.userNid, userId: me, deviceId: requester.deviceId, roomsSince: from?.rooms,
            previous: from.map { ($0.rooms, $0.toDevice, $0.deviceLists) },
            toDeviceLimit: toDevice?.limit ?? 0)
        snapshotRequest.toDeviceSince = toDevice?.since ?? 0
        let snapshot = try await SyncSnapshot.read(from: sync.database, snapshotRequest)
        // To-device messages up to the extension's `since` reached the device: they go now.
        if let since = toDevice?.since, snapshot.devices.hasAcknowledged {
            try await sync.devices.toDevice.acknowledge(userNid: requester.userNid, deviceId: requester.deviceId,
                                                        upTo: since)
        }
        let now = try await sync.token(snapshot.positions)
        // The unread counts must cover every event this answer may return.
        await sync.pushActions.caughtUp(to: now.rooms)

        let list = try await roomList(snapshot: snapshot, now: now)
        let byId = Dictionary(list.entries.map { ($0.roomId, $0) }, uniquingKeysWith: { a, _ in a })

        // Lists and subscriptions: which rooms are wanted, with which (combined) config.
        var wanted: [String: SlidingRoomConfig] = [:]
        var listsJSON: JSONObject = [:]
        var roomsOfList: [String: [String]] = [:]
        for (key, config) in request.lists.sorted(by: { $0.key < $1.key }) {
            let window = list.window(config)
            roomsOfList[key] = window.roomIds
            let ops: [JSONValue] = window.ranges.map { range, ids in
                ["op": "SYNC", "range": [.int(Int64(range.lowerBound)), .int(Int64(range.upperBound))],
                 "room_ids": .array(ids.map(JSONValue.string))]
            }
            listsJSON[key] = ["count": .int(Int64(window.count)), "ops": .array(ops)]
            for roomId in window.roomIds {
                wanted[roomId] = wanted[roomId].map { $0.combined(with: config.room) } ?? config.room
            }
        }
        // Subscriptions to rooms the user has no membership in are ignored (MSC4186).
        // (`entry` below leaves out the rooms without one.)
        for (roomId, config) in request.roomSubscriptions {
            wanted[roomId] = wanted[roomId].map { $0.combined(with: config) } ?? config
        }

        var state = from == nil ? SlidingConnectionState() : previous
        var roomsJSON: JSONObject = [:]
        let memberships = Dictionary(snapshot.memberships.map { ($0.roomId, $0) }, uniquingKeysWith: { a, _ in a })
        var sentInitially: Set<String> = []
        for (roomId, config) in wanted.sorted(by: { $0.key < $1.key }) {
            guard let entry = try await entry(roomId, byId: byId, memberships: memberships, now: now) else { continue }
            let status = from == nil ? nil : previous.rooms[roomId]
            let previousConfig = status == nil ? nil : previous.configs[roomId]
            // Joining anew (after an invite, say) sends the room afresh.
            let newlyJoined = from.map { entry.membership.membership == "join" && entry.membership.streamPos > $0.rooms }
                ?? false
            var fromBound: Int64?
            switch status {
            case .live?: fromBound = newlyJoined ? nil : from?.rooms
            case .previously(let since)?: fromBound = newlyJoined ? nil : since
            case nil: fromBound = nil
            }
            let expandedTimeline = fromBound != nil && (previousConfig.map { $0.timelineLimit < config.timelineLimit } ?? false)
            let expandedState = fromBound != nil
                && (previousConfig.map { config.requiredState.expands($0.requiredState) } ?? false)
            if let fromBound, !expandedTimeline, !expandedState {
                guard try await hasEvents(entry, after: fromBound, snapshot: snapshot, now: now) else {
                    // Nothing new: the client is up to date with this room as of now.
                    state.rooms[roomId] = .live
                    continue
                }
            }
            let result = try await SlidingRoomResultBuilder(
                sync: sync, requester: requester, entry: entry, config: config, fromBound: fromBound,
                fromRooms: from?.rooms, now: now, expandedTimeline: expandedTimeline, previousConfig: previousConfig,
                knownLazyMembers: fromBound == nil ? [] : previous.lazyMembers[roomId] ?? [],
                ignoredUsers: snapshot.ignoredUsers
            ).build()
            var json = result.json
            if expandedTimeline { json["unstable_expanded_timeline"] = true }
            if fromBound == nil {
                sentInitially.insert(roomId)
                state.lazyMembers[roomId] = nil
            }
            if result.hasNews || fromBound == nil { roomsJSON[roomId] = .object(json) }
            state.rooms[roomId] = .live
            state.configs[roomId] = storedConfig(config, previous: previousConfig, expanded: expandedTimeline,
                                                 limited: result.limited)
            if !result.lazyMembersInvalidated.isEmpty {
                state.lazyMembers[roomId]?.subtract(result.lazyMembersInvalidated)
            }
            state.rememberLazyMembers(result.lazyMembersSent, in: roomId)
        }
        // Rooms that changed while outside every window: the client missed those changes.
        if let from, let changed = snapshot.roomsWithEvents {
            let changedIds = Set(snapshot.memberships.filter { changed.contains($0.roomNid) }.map(\.roomId))
            for (roomId, status) in previous.rooms where status == .live && wanted[roomId] == nil
                && changedIds.contains(roomId)
            {
                state.rooms[roomId] = .previously(since: from.rooms)
            }
        }
        let extensions = try await SlidingSyncExtensionsBuilder(
            sync: sync, requester: requester, request: request, from: from, now: now, snapshot: snapshot,
            roomIds: extensionRooms(wanted: wanted, roomsOfList: roomsOfList, memberships: memberships),
            sentInitially: sentInitially
        ).build()
        var streams = now
        streams.receipts = extensions.receiptsPosition ?? now.receipts
        var json: JSONObject = ["rooms": .object(roomsJSON), "extensions": .object(extensions.json)]
        if !listsJSON.isEmpty { json["lists"] = .object(listsJSON) }
        return Result(json: json, streams: streams, state: state, isEmpty: roomsJSON.isEmpty && !extensions.hasNews)
    }

    /// The room config to remember (Synapse's rules): a larger timeline limit is kept until a gappy
    /// answer makes the smaller one true; the required state is always the latest asked for, so a later
    /// expansion sends what was not tracked meanwhile.
    private func storedConfig(_ config: SlidingRoomConfig, previous: SlidingRoomConfig?, expanded: Bool, limited: Bool)
        -> SlidingRoomConfig
    {
        guard let previous, !expanded else { return config }
        let limit = limited || previous.timelineLimit < config.timelineLimit ? config.timelineLimit : previous.timelineLimit
        return SlidingRoomConfig(timelineLimit: limit, requiredState: config.requiredState)
    }

    /// Which rooms each room-scoped extension covers: by list key and by subscription (`*`: all).
    private func extensionRooms(wanted: [String: SlidingRoomConfig], roomsOfList: [String: [String]],
                                memberships: [String: UserMembership]) -> SlidingSyncExtensionsBuilder.RoomScopes {
        func rooms(_ scope: SlidingSyncExtensionsRequest.Scope?) -> Set<String>? {
            guard let scope else { return nil }
            var result: Set<String> = []
            for key in scope.lists ?? [] {
                if key == "*" {
                    for ids in roomsOfList.values { result.formUnion(ids) }
                } else {
                    result.formUnion(roomsOfList[key] ?? [])
                }
            }
            for roomId in scope.rooms ?? [] {
                if roomId == "*" {
                    result.formUnion(request.roomSubscriptions.keys)
                } else if request.roomSubscriptions[roomId] != nil {
                    result.insert(roomId)
                }
            }
            return result
        }
        // Only rooms the user is in carry receipts and typing; room account data is the user's own.
        func joined(_ rooms: Set<String>?) -> Set<String>? { rooms?.filter { memberships[$0]?.membership == "join" } }
        return .init(accountData: rooms(request.extensions.accountData),
                     receipts: joined(rooms(request.extensions.receipts)),
                     typing: joined(rooms(request.extensions.typing)))
    }

    private func hasEvents(_ entry: SlidingRoomEntry, after position: Int64, snapshot: SyncSnapshot, now: SyncToken)
        async throws -> Bool
    {
        if entry.membership.streamPos > position { return true }
        if position == from?.rooms, let changed = snapshot.roomsWithEvents { return changed.contains(entry.membership.roomNid) }
        let upTo = entry.membership.membership == "join" ? now.rooms : min(entry.membership.streamPos, now.rooms)
        return try await !sync.rooms.store.streamEvents(roomNid: entry.membership.roomNid, after: position, upTo: upTo,
                                                        limit: 1).isEmpty
    }

    /// A subscribed room outside the lists' rooms (a self-left room, say): its entry, if the user has a
    /// membership there.
    private func entry(_ roomId: String, byId: [String: SlidingRoomEntry], memberships: [String: UserMembership],
                       now: SyncToken) async throws -> SlidingRoomEntry? {
        if let entry = byId[roomId] { return entry }
        guard let membership = memberships[roomId], !membership.forgotten, membership.streamPos <= now.rooms else {
            return nil
        }
        let facts = try await sync.rooms.store.slidingRoomFacts(
            [SlidingRoomFactsQuery(roomNid: membership.roomNid, membershipEventNid: membership.eventNid,
                                   isJoined: membership.membership == "join")], upTo: now.rooms)
        return SlidingRoomEntry(membership: membership, facts: facts[membership.roomNid] ?? SlidingRoomFacts(),
                                isDM: false, tags: [])
    }

    // MARK: The room list

    /// The user's rooms that lists draw from: joined, invited, knocked, banned and kicked ones, and the
    /// ones they left themselves only when that happened since the connection's position (MSC4186).
    private func roomList(snapshot: SyncSnapshot, now: SyncToken) async throws -> SlidingRoomList {
        let memberships = snapshot.memberships.filter {
            !$0.forgotten && $0.streamPos <= now.rooms && ["join", "invite", "knock", "leave", "ban"].contains($0.membership)
        }
        guard !request.lists.isEmpty || !request.roomSubscriptions.isEmpty else {
            return SlidingRoomList(entries: [], spaceChildren: [:])
        }
        let facts = try await sync.rooms.store.slidingRoomFacts(memberships.map {
            SlidingRoomFactsQuery(roomNid: $0.roomNid, membershipEventNid: $0.eventNid, isJoined: $0.membership == "join")
        }, upTo: now.rooms)
        let directRooms = try await self.directRooms()
        let filters = request.lists.values.compactMap(\.filters)
        let tags = filters.contains { $0.tags != nil || $0.notTags != nil } ? try await roomTags() : [:]
        var entries: [SlidingRoomEntry] = []
        for membership in memberships {
            let roomFacts = facts[membership.roomNid] ?? SlidingRoomFacts()
            if membership.membership == "leave", roomFacts.membershipSender == me,
                !(from.map { membership.streamPos > $0.rooms } ?? false)
            {
                continue
            }
            entries.append(SlidingRoomEntry(membership: membership, facts: roomFacts,
                                            isDM: directRooms.contains(membership.roomId),
                                            tags: tags[membership.roomId] ?? []))
        }
        let spaces = Set(filters.flatMap { $0.spaces ?? [] })
        let joined = Set(memberships.filter { $0.membership == "join" }.map(\.roomId))
        var children: [String: Set<String>] = [:]
        for space in spaces where joined.contains(space) {
            children[space] = try await spaceChildren(space)
        }
        return SlidingRoomList(entries: entries, spaceChildren: children)
    }

    /// The rooms named in the user's `m.direct` account data.
    private func directRooms() async throws -> Set<String> {
        guard let bytes = try await sync.accountData.get(userNid: requester.userNid, roomId: nil, type: "m.direct"),
            case .object(let content)? = try? JSONParser.parse(bytes)
        else { return [] }
        return Set(content.values.flatMap { $0.arrayValue ?? [] }.compactMap(\.stringValue))
    }

    /// Room ID → the tags of the user's `m.tag` room account data.
    private func roomTags() async throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for entry in try await sync.accountData.all(userNid: requester.userNid) where entry.type == "m.tag" {
            guard let roomId = entry.roomId, case .object(let content)? = try? JSONParser.parse(entry.content),
                let tags = content["tags"]?.objectValue
            else { continue }
            result[roomId] = Set(tags.keys)
        }
        return result
    }

    /// A space's children: its `m.space.child` state events with a non-empty `via`.
    private func spaceChildren(_ spaceId: String) async throws -> Set<String> {
        let room = try await sync.rooms.room(spaceId)
        guard let snapshot = room.currentSnapshot else { return [] }
        let ids = try await sync.rooms.store.state(snapshot: snapshot, type: "m.space.child")
        let events = try await sync.rooms.store.events(ids: Array(ids.values))
        var result: Set<String> = []
        for (child, id) in ids {
            guard let event = events[id], case .object(let json)? = try? JSONParser.parse(event.json),
                let via = json["content"]?["via"]?.arrayValue, !via.isEmpty
            else { continue }
            result.insert(child)
        }
        return result
    }
}
