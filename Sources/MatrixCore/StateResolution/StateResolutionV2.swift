/// State resolution v2 (room versions 2 to 11) and its v2.1 revision (room version 12).
///
/// v2.1 differs in three places: the full conflicted set also holds the conflicted state subgraph,
/// the power events are replayed from an empty state instead of the unconflicted state, and (as in
/// v2) the unconflicted state is laid over the result at the end.
enum StateResolutionV2 {
    static func resolve(
        stateSets: [[StateTuple: String]], startFromEmptyState: Bool, events: ResolutionEvents,
        authCheck: StateResolution.AuthCheck
    ) async throws -> [StateTuple: String] {
        let (unconflicted, conflicted) = separate(stateSets)
        if conflicted.isEmpty { return unconflicted }

        // The full conflicted set: conflicted events, the auth difference and (v2.1) the subgraph.
        let walk = try await AuthChainWalk.run(
            stateSets: stateSets.map { Set($0.values) }, recordEdges: startFromEmptyState, events: events)
        var full = conflicted.union(walk.difference())
        if startFromEmptyState { full.formUnion(walk.conflictedSubgraph(conflicted: conflicted)) }
        // Events the lookup does not know take no part: a server resolves with what it can fetch.
        var known: Set<String> = []
        for id in full where try await events.load(id) != nil { known.insert(id) }
        full = known

        // 1–2: power events in reverse topological power ordering, replayed.
        let powerEvents = try await PowerOrdering.sortedPowerEvents(fullConflicted: full, events: events)
        var resolved = startFromEmptyState ? [:] : unconflicted
        try await IterativeAuthChecks.apply(powerEvents, to: &resolved, events: events, authCheck: authCheck)

        // 3–4: everything else in mainline order of the power levels just resolved, replayed.
        let placed = Set(powerEvents)
        let others = full.filter { !placed.contains($0) }.sorted()
        let ordered = try await MainlineOrdering.sorted(
            others, powerLevelsId: resolved[StateKeys.powerLevels], events: events)
        try await IterativeAuthChecks.apply(ordered, to: &resolved, events: events, authCheck: authCheck)

        // 5: the unconflicted state wins where it has an entry.
        resolved.merge(unconflicted) { _, unconflictedId in unconflictedId }
        return resolved
    }

    /// A key is unconflicted when every state set has it with the same event; otherwise every event
    /// any state set has for it is conflicted (a key missing from one set is a conflict in v2).
    static func separate(
        _ stateSets: [[StateTuple: String]]
    ) -> (unconflicted: [StateTuple: String], conflicted: Set<String>) {
        var unconflicted: [StateTuple: String] = [:]
        var conflicted: Set<String> = []
        var keys: Set<StateTuple> = []
        for stateSet in stateSets { keys.formUnion(stateSet.keys) }
        for key in keys {
            let values = stateSets.map { $0[key] }
            if let first = values[0], values.allSatisfy({ $0 == first }) {
                unconflicted[key] = first
            } else {
                for case let id? in values { conflicted.insert(id) }
            }
        }
        return (unconflicted, conflicted)
    }
}
