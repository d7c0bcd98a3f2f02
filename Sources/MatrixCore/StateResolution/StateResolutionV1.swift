/// State resolution v1 (room version 1), spec `rooms/v1.md`. Known to reset state; kept for
/// compatibility only.
///
/// Where the spec is loose this follows Synapse, the implementation v1 rooms were built with:
/// - a conflict is two different events for one key; a key some states lack is not a conflict;
/// - the keys of one pass (all member keys, say) are each resolved against the state as it was when
///   the pass began, so the result does not depend on the order keys are visited in;
/// - when no event of an "other" key passes the auth checks, the last one in order (least depth) is
///   taken rather than dropping the key.
enum StateResolutionV1 {
    static func resolve(
        stateSets: [[StateTuple: String]], events: ResolutionEvents, authCheck: StateResolution.AuthCheck
    ) async throws -> [StateTuple: String] {
        var resolved: [StateTuple: String] = [:]
        var conflicts: [StateTuple: [PDU]] = [:]
        for (key, ids) in separate(stateSets) {
            if ids.count == 1, let only = ids.first {
                resolved[key] = only
                continue
            }
            var candidates: [PDU] = []
            for id in ids.sorted() { if let event = try await events.load(id) { candidates.append(event) } }
            // Unknown events drop out; one survivor is no longer a conflict.
            if candidates.count == 1 { resolved[key] = candidates[0].eventId }
            if candidates.count > 1 { conflicts[key] = candidates }
        }
        if conflicts.isEmpty { return resolved }

        // Power levels, then join rules, then members: each an ordered chain of auth checks.
        let passes: [(StateTuple) -> Bool] = [
            { $0 == StateKeys.powerLevels },
            { $0.type == StateKeys.joinRules.type },
            { $0.type == StateKeys.memberType },
        ]
        for inPass in passes {
            let keys = conflicts.keys.filter(inPass).sorted()
            var winners: [StateTuple: String] = [:]
            for key in keys {
                guard let candidates = conflicts.removeValue(forKey: key) else { continue }
                winners[key] = try await resolveAuthKey(
                    key, candidates: candidates, base: resolved, events: events, authCheck: authCheck)
            }
            resolved.merge(winners) { _, winner in winner }
        }

        // Everything else: the first event (highest depth, lowest hash) that passes auth.
        var winners: [StateTuple: String] = [:]
        for key in conflicts.keys.sorted() {
            guard let candidates = conflicts[key] else { continue }
            let ordered = candidates.sorted(by: ascendingDepthDescendingHash).reversed()
            var winner = ordered.last?.eventId
            for event in ordered where try await allowed(event, in: resolved, events: events, authCheck: authCheck) {
                winner = event.eventId
                break
            }
            winners[key] = winner
        }
        resolved.merge(winners) { _, winner in winner }
        return resolved
    }

    /// Sorted by ascending depth then descending `sha1(event_id)`, the first event is taken without a
    /// check, then each next one while it passes the auth rules in the state with its predecessor.
    private static func resolveAuthKey(
        _ key: StateTuple, candidates: [PDU], base: [StateTuple: String], events: ResolutionEvents,
        authCheck: StateResolution.AuthCheck
    ) async throws -> String? {
        let ordered = candidates.sorted(by: ascendingDepthDescendingHash)
        guard var accepted = ordered.first else { return nil }
        var state = base
        for event in ordered.dropFirst() {
            state[key] = accepted.eventId
            guard try await allowed(event, in: state, events: events, authCheck: authCheck) else { break }
            accepted = event
        }
        return accepted.eventId
    }

    /// The auth rules against `state` alone: v1 does not fall back to the event's own auth events.
    private static func allowed(
        _ event: PDU, in state: [StateTuple: String], events: ResolutionEvents, authCheck: StateResolution.AuthCheck
    ) async throws -> Bool {
        var view: [StateTuple: PDU] = [:]
        for key in AuthEventKeys.keys(for: event) {
            if let id = state[key], let stateEvent = try await events.load(id) { view[key] = stateEvent }
        }
        let snapshot = view
        return authCheck(event, { snapshot[$0] })
    }

    private static func ascendingDepthDescendingHash(_ a: PDU, _ b: PDU) -> Bool {
        if a.depth != b.depth { return a.depth < b.depth }
        let ha = SHA1.digest(a.eventId.utf8)
        let hb = SHA1.digest(b.eventId.utf8)
        return ha != hb ? hb.lexicographicallyPrecedes(ha) : a.eventId < b.eventId
    }

    /// For each key, the distinct events the state sets that have it hold.
    private static func separate(_ stateSets: [[StateTuple: String]]) -> [StateTuple: Set<String>] {
        var byKey: [StateTuple: Set<String>] = [:]
        for stateSet in stateSets {
            for (key, id) in stateSet { byKey[key, default: []].insert(id) }
        }
        return byKey
    }
}
