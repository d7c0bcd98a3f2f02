import MatrixCore
import MyelinStorage

/// Decides which events one user may see by the spec's history visibility rules
/// (`HistoryVisibility.userMaySeeEvent`), judging each event by the visibility and the user's
/// membership in the state before it. Events share snapshots (every message after a state change has
/// the same one), so the two state entries that matter are looked up once per snapshot, and only
/// those few state events are parsed. Only accepted events (those with a stream position) pass.
struct EventVisibilityFilter {
    let store: RoomEventStore
    let loader: RoomEventLoader
    let userId: String
    /// Whether the user is joined now: they then see `shared` history from before they joined.
    let joinedNow: Bool

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
            guard event.streamPos != nil, let snapshot = event.stateBefore, let row = rows[snapshot] else {
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
    func visibilityFilter(_ room: RoomRecord, userId: String, access: RoomReadAccess? = nil) async throws
        -> EventVisibilityFilter
    {
        let joinedNow: Bool
        if let access { joinedNow = access.isJoined } else { joinedNow = try await membership(room, userId) == .join }
        return EventVisibilityFilter(store: store, loader: try loader(room), userId: userId, joinedNow: joinedNow)
    }

    /// The events among `events` (all of `room`) that `userId` may see, in their order. For other
    /// services that serve events (sync, search, notifications).
    public func visibleEvents(_ events: [StoredEvent], room: RoomRecord, userId: String) async throws -> [StoredEvent] {
        try await visibilityFilter(room, userId: userId).visible(events)
    }
}
