/// Step 1 of v2 resolution: the power events of the full conflicted set, with the parts of their auth
/// chains inside that set, in reverse topological power ordering.
enum PowerOrdering {
    /// A power event might take someone's ability away: power levels, join rules, and a `leave` or
    /// `ban` of somebody other than the sender (a kick or ban).
    static func isPowerEvent(_ event: PDU) -> Bool {
        guard let stateKey = event.stateKey else { return false }
        switch event.type {
        case StateKeys.powerLevels.type, StateKeys.joinRules.type: return stateKey == ""
        case StateKeys.memberType:
            let membership = event.membership
            return (membership == "leave" || membership == "ban") && event.sender != stateKey
        default: return false
        }
    }

    /// Events of `fullConflicted` must be loadable through `events` (the caller has dropped unknown
    /// ones). Returns the sorted IDs, earliest first.
    static func sortedPowerEvents(fullConflicted: Set<String>, events: ResolutionEvents) async throws -> [String] {
        // The graph: each chosen event and its auth events inside the full conflicted set. The spec
        // says "auth chain events that are also in the full conflicted set"; like Synapse and Ruma we
        // only follow edges that stay inside the set, so every server orders the same events.
        var authEdges: [String: Set<String>] = [:]
        var work: [String] = []
        for id in fullConflicted {
            if let event = try await events.load(id), isPowerEvent(event) { work.append(id) }
        }
        while let id = work.popLast() {
            guard authEdges[id] == nil, let event = try await events.load(id) else { continue }
            let inside = Set(event.authEvents.filter { fullConflicted.contains($0) })
            authEdges[id] = inside
            work.append(contentsOf: inside.filter { authEdges[$0] == nil })
        }

        // Kahn's algorithm from the auth-less end; among the events whose auth events are all placed,
        // always the smallest by the power comparison.
        var remaining: [String: Int] = [:]
        var citers: [String: [String]] = [:]
        var ready = BinaryHeap<Key>()
        for (id, auths) in authEdges {
            let known = auths.filter { authEdges[$0] != nil }
            remaining[id] = known.count
            for authId in known { citers[authId, default: []].append(id) }
            if known.isEmpty { ready.push(try await key(for: id, events: events)) }
        }
        var sorted: [String] = []
        sorted.reserveCapacity(authEdges.count)
        while let next = ready.pop() {
            sorted.append(next.id)
            for citer in citers[next.id] ?? [] {
                let left = (remaining[citer] ?? 1) - 1
                remaining[citer] = left
                if left == 0 { ready.push(try await key(for: citer, events: events)) }
            }
        }
        // Events on an auth cycle (impossible in a valid room) never become ready and are left out.
        return sorted
    }

    /// x < y when x's sender has more power, then the earlier `origin_server_ts`, then the smaller ID.
    struct Key: Comparable {
        let power: SenderPower
        let originServerTs: Int64
        let id: String

        static func < (a: Key, b: Key) -> Bool {
            if a.power != b.power { return a.power > b.power }
            if a.originServerTs != b.originServerTs { return a.originServerTs < b.originServerTs }
            return a.id < b.id
        }
    }

    /// Room version 12 creators outrank every number.
    enum SenderPower: Comparable {
        case level(Int64)
        case infinite
    }

    private static func key(for id: String, events: ResolutionEvents) async throws -> Key {
        guard let event = try await events.load(id) else { return Key(power: .level(0), originServerTs: 0, id: id) }
        return Key(power: try await senderPower(of: event, events: events), originServerTs: event.originServerTs, id: id)
    }

    /// The sender's power level according to the event's own auth events (the create event comes from
    /// the room ID in v12, where it is not among them).
    private static func senderPower(of event: PDU, events: ResolutionEvents) async throws -> SenderPower {
        var powerLevelsEvent: PDU?
        for id in event.authEvents {
            if let authEvent = try await events.load(id), authEvent.stateTuple == StateKeys.powerLevels {
                powerLevelsEvent = authEvent
            }
        }
        let create = try await events.createEvent(for: event)
        switch PowerLevels(powerLevelsEvent: powerLevelsEvent, createEvent: create).userLevel(event.sender) {
        case .infinite: return .infinite
        case .finite(let level): return .level(level)
        }
    }
}
