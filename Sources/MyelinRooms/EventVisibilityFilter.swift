import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Decides which events one user may see by the spec's history visibility rules
/// (`HistoryVisibility.userMaySeeEvent`), judging each event by the visibility and the user's
/// membership in the state before it. Events share snapshots (every message after a state change has
/// the same one), so the two state entries that matter are looked up once per snapshot, and only
/// those few state events are parsed. Only accepted events (those with a stream position) pass.
/// For events served to the user, the non-state events of the users they ignore are left out too
/// (`m.ignored_user_list`; state events still pass, as the spec asks).
struct EventVisibilityFilter {
    let store: RoomEventStore
    let loader: RoomEventLoader
    let userId: String
    /// Whether the user is joined now: they then see `shared` history from before they joined.
    let joinedNow: Bool
    /// Senders whose non-state events the user does not receive.
    var ignoredSenders: Set<String> = []

    func visible(_ events: [StoredEvent]) async throws -> [StoredEvent] {
        let decisions = try await mask(events)
        return zip(events, decisions).compactMap { $1 ? $0 : nil }
    }

    func mask(_ events: [StoredEvent]) async throws -> [Bool] {
        let snapshots = Set(events.compactMap { $0.streamPos == nil ? nil : $0.stateBefore })
        let rows = try await store.visibilityState(snapshots: snapshots, userId: userId)
        let stateNids = Set(rows.values.flatMap { [$0.historyVisibilityNid, $0.memberNid].compactMap { $0 } })
        var contents: [Int64: JSONObject] = [:]
        for (nid, stored) in try await store.events(nids: Array(stateNids)) {
            contents[nid] = try await loader.pdu(stored).content
        }
        var result: [Bool] = []
        result.reserveCapacity(events.count)
        for event in events {
            guard event.streamPos != nil, let snapshot = event.stateBefore, let row = rows[snapshot],
                event.stateKey != nil || !ignoredSenders.contains(event.sender)
            else {
                result.append(false)
                continue
            }
            let visibilityBefore = HistoryVisibility(content: row.historyVisibilityNid.flatMap { contents[$0] })
            let membershipBefore = row.memberNid.flatMap { contents[$0]?["membership"]?.stringValue }
                .flatMap(Membership.init(rawValue:)) ?? .leave
            var visibilityAfter: HistoryVisibility? = nil
            var membershipAfter: Membership? = nil
            if event.type == "m.room.history_visibility", event.stateKey == "" {
                visibilityAfter = HistoryVisibility(content: try await loader.pdu(event).content)
            } else if event.type == "m.room.member", event.stateKey == userId {
                membershipAfter = Membership(memberEvent: try await loader.pdu(event))
            }
            result.append(HistoryVisibility.userMaySeeEvent(
                visibilityBefore: visibilityBefore, visibilityAfter: visibilityAfter,
                membershipBefore: membershipBefore, membershipAfter: membershipAfter, joinedAfterEvent: joinedNow))
        }
        return result
    }
}

extension RoomService {
    /// History visibility alone: whether the user may see the room at an event (`/members?at=`,
    /// reports), where whom they ignore does not matter.
    func visibilityFilter(_ room: RoomRecord, userId: String, access: RoomReadAccess? = nil) async throws
        -> EventVisibilityFilter
    {
        let joinedNow: Bool
        if let access { joinedNow = access.isJoined } else { joinedNow = try await membership(room, userId) == .join }
        return EventVisibilityFilter(store: store, loader: try loader(room), userId: userId, joinedNow: joinedNow)
    }

    /// For events served to `viewer`: history visibility and their ignore list.
    func servingFilter(_ room: RoomRecord, viewer: Requester, access: RoomReadAccess? = nil) async throws
        -> EventVisibilityFilter
    {
        var filter = try await visibilityFilter(room, userId: viewer.userId, access: access)
        filter.ignoredSenders = try await ignoredUsers(userNid: viewer.userNid)
        return filter
    }

    /// The users `userNid` ignores (`m.ignored_user_list`), whose non-state events and invites are
    /// not served to them. Sync reads this once per request and passes it to `visibleEvents`.
    public func ignoredUsers(userNid: Int64) async throws -> Set<String> {
        try await store.accountData.ignoredUsers(userNid: userNid)
    }

    /// The events among `events` (all of `room`) that `userId` may see, in their order, leaving out the
    /// non-state events of `ignoring` (pass `ignoredUsers(userNid:)` when serving them). For other
    /// services that serve events (sync, search, notifications).
    public func visibleEvents(_ events: [StoredEvent], room: RoomRecord, userId: String,
                              ignoring: Set<String> = []) async throws -> [StoredEvent] {
        var filter = try await visibilityFilter(room, userId: userId)
        filter.ignoredSenders = ignoring
        return try await filter.visible(events)
    }
}
