import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Serving events with the bundled aggregations the spec requires: threads
/// (`unsigned.m.relations.m.thread`: `latest_event`, `count`, `current_user_participated`), and edits and
/// references (`EditAggregation.swift`).
extension RoomService {
    /// Client events for `viewer`, with thread summaries on the thread roots among them. As in
    /// Synapse, state events and events that themselves relate to another are never roots. A thread
    /// whose latest reply the viewer may not see (they left before it) gets no summary.
    func serve(_ events: [StoredEvent], room: RoomRecord, viewer: Requester, visibility: EventVisibilityFilter)
        async throws -> [JSONObject]
    {
        var json = try await clientEvents(events, room: room, viewer: viewer)
        try await bundleEditsAndReferences(&json, events: events, room: room, viewer: viewer,
                                           visible: { try await visibility.visible($0) })
        let candidates = events.filter { $0.stateKey == nil && $0.relatesTo == nil }
        let summaries = try await store.threadSummaries(roomNid: room.nid, rootIds: candidates.map(\.eventId),
                                                        userId: viewer.userId)
        if summaries.isEmpty { return json }
        let latest = try await store.events(nids: summaries.values.map(\.latestNid))
        let latestEvents = Array(latest.values)
        let visibleLatest = try await visibility.visible(latestEvents)
        let latestJSON = try await clientEvents(visibleLatest, room: room, viewer: viewer)
        var latestById: [Int64: JSONObject] = [:]
        for (event, formatted) in zip(visibleLatest, latestJSON) { latestById[event.nid] = formatted }
        for (index, event) in events.enumerated() {
            guard let summary = summaries[event.eventId], let latestEvent = latestById[summary.latestNid] else {
                continue
            }
            let thread: JSONObject = [
                "latest_event": .object(latestEvent), "count": .int(Int64(summary.count)),
                "current_user_participated": .bool(summary.userReplied || event.sender == viewer.userId),
            ]
            var unsigned = json[index]["unsigned"]?.objectValue ?? [:]
            var relations = unsigned["m.relations"]?.objectValue ?? [:]
            relations["m.thread"] = .object(thread)
            unsigned["m.relations"] = .object(relations)
            json[index]["unsigned"] = .object(unsigned)
        }
        return json
    }
}
