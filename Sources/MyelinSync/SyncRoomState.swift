import MatrixCore
import MyelinStorage

extension SyncResponseBuilder {
    /// A room's `state` (up to the timeline's start) or, with `use_state_after`, `state_after` (up to its
    /// end, spec v1.16), as event IDs by key: the whole state with `fullState`, else what changed between
    /// the token (`after`) and that point. With `lazy_load_members`, see `lazyMembers`.
    func stateIds(_ room: RoomRecord, timeline: SyncTimeline, after: Int64, upTo: Int64, fullState: Bool)
        async throws -> [StateTuple: String]
    {
        let events = timeline.events
        let start: Int64?
        if let first = events.first {
            start = first.stateBefore
        } else {
            start = try await store.stateSnapshot(roomNid: room.nid, atStream: upTo)
        }
        // Where the client's copy of the state is to stand after this answer's `state` section.
        let point = request.useStateAfter ? (events.last.map(\.stateAfter) ?? start) : start
        // `state_after` carries the timeline's own state events too (clients take state from it alone);
        // `state` is needed in an incremental sync only when the timeline does not show every change.
        let needed = fullState || request.useStateAfter || timeline.limited || timeline.leftOutState
        var ids: [StateTuple: String] = [:]
        if let point, needed {
            ids = fullState
                ? try await store.state(snapshot: point)
                : try await store.stateChanges(roomNid: room.nid, after: after, to: point)
        }
        if filter.room.state.lazyLoadMembers {
            try await lazyMembers(&ids, senders: Set(events.map(\.sender)), at: point, fullState: fullState)
        }
        return ids
    }

    /// Lazy-loaded members (spec "Lazy-loading room members"). Whole state: only the members of the
    /// timeline's senders, and the user's own (which the spec asks for on a join or full state).
    /// Incremental: every member change the delta holds stays (the spec: a gap's joins, leaves and
    /// profile changes MUST be sent), and the senders' member events at `point` are added. No record
    /// says which member events a client was sent; a redundant one is allowed, a missing one is not, so
    /// they always go (which also serves `include_redundant_members`).
    private func lazyMembers(_ ids: inout [StateTuple: String], senders: Set<String>, at point: Int64?,
                             fullState: Bool) async throws
    {
        if fullState {
            let wanted = senders.union([requester.userId])
            ids = ids.filter { $0.key.type != "m.room.member" || wanted.contains($0.key.stateKey) }
            return
        }
        guard let point, !senders.isEmpty else { return }
        let tuples = senders.sorted().map { StateTuple(type: "m.room.member", stateKey: $0) }
        ids.merge(try await store.state(snapshot: point, tuples: tuples)) { delta, _ in delta }
    }

    /// With lazy-loaded members, the heroes' member events go with the summary that names them when the
    /// room has no name or canonical alias (clients then build its name from them, spec "Calculating the
    /// display name for a room"), unless the timeline or state already carries them: from the current
    /// state, as Synapse sends them. A hero sent before is sent again (no record says what a client holds;
    /// a redundant member event is allowed).
    func addHeroMembers(_ entry: inout JSONObject, heroes: [String], room: RoomRecord, upTo: Int64) async throws {
        guard !heroes.isEmpty else { return }
        let section = request.useStateAfter ? "state_after" : "state"
        var present = Set<String>()
        for name in ["timeline", section] {
            for event in entry[name]?["events"]?.arrayValue ?? [] where event["type"]?.stringValue == "m.room.member" {
                if let key = event["state_key"]?.stringValue { present.insert(key) }
            }
        }
        let missing = heroes.filter { !present.contains($0) }
        guard !missing.isEmpty, let snapshot = try await store.stateSnapshot(roomNid: room.nid, atStream: upTo) else {
            return
        }
        if try await hasNameOrAlias(snapshot: snapshot) { return }
        let ids = try await store.state(snapshot: snapshot, tuples: missing.map {
            StateTuple(type: "m.room.member", stateKey: $0)
        })
        let stored = try await store.events(ids: Array(ids.values))
        var added: [StoredEvent] = []
        for event in stored.values.sorted(by: { ($0.streamPos ?? 0) < ($1.streamPos ?? 0) })
        where try await matches(event, filter.room.state, room: room) {
            added.append(event)
        }
        guard !added.isEmpty else { return }
        let events = (entry[section]?["events"]?.arrayValue ?? [])
            + (try await formatted(added, room: room)).map(JSONValue.object)
        entry[section] = ["events": .array(events)]
    }

    /// Whether the state names the room (a non-empty `m.room.name` or a canonical alias): then clients do
    /// not need the heroes.
    private func hasNameOrAlias(snapshot: Int64) async throws -> Bool {
        let ids = try await store.state(snapshot: snapshot, tuples: [
            StateTuple(type: "m.room.name", stateKey: ""), StateTuple(type: "m.room.canonical_alias", stateKey: ""),
        ])
        for event in try await store.events(ids: Array(ids.values)).values {
            guard case .object(let json) = try JSONParser.parse(event.json) else { continue }
            let field = event.type == "m.room.name" ? "name" : "alias"
            if let value = json["content"]?[field]?.stringValue, !value.isEmpty { return true }
        }
        return false
    }
}
