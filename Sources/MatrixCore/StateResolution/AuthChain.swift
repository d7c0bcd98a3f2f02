/// Which state sets' full auth chains an event belongs to: one bit per state set.
struct StateSetMask: Equatable {
    private(set) var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    static func single(_ index: Int, of count: Int) -> StateSetMask {
        var mask = StateSetMask(count: count)
        mask.words[index / 64] |= 1 << UInt64(index % 64)
        return mask
    }

    static func full(_ count: Int) -> StateSetMask {
        var mask = StateSetMask(count: count)
        for index in 0..<count { mask.words[index / 64] |= 1 << UInt64(index % 64) }
        return mask
    }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    mutating func formUnion(_ other: StateSetMask) {
        for i in words.indices { words[i] |= other.words[i] }
    }

    func subtracting(_ other: StateSetMask) -> StateSetMask {
        var result = self
        for i in result.words.indices { result.words[i] &= ~other.words[i] }
        return result
    }
}

/// The auth chains of several state sets, walked together.
///
/// Each state set's "full auth chain" is taken to include the state events themselves, as Synapse and
/// Ruma do: an event every state set holds is then never in the auth difference, which only matters
/// for unconflicted events and keeps them out of the replay.
///
/// The walk keeps event IDs and one bit per state set, never events: a bit set reaching an event is
/// pushed on to its auth events, and an event is expanded again only when it gains bits. Events are
/// taken latest-depth first so that bits from all state sets usually meet before an event is
/// expanded; depth only affects speed, never the answer, so lying depths cannot change the result.
/// Worklists, not recursion, so chains of any length fit on the stack.
struct AuthChainWalk {
    /// The mask of every event in at least one full auth chain.
    private(set) var masks: [String: StateSetMask] = [:]
    /// Each expanded event's auth event IDs, recorded only when the conflicted subgraph is needed.
    private(set) var edges: [String: [String]] = [:]
    private let setCount: Int

    private init(setCount: Int) { self.setCount = setCount }

    static func run(stateSets: [Set<String>], recordEdges: Bool, events: ResolutionEvents) async throws -> AuthChainWalk {
        var walk = AuthChainWalk(setCount: stateSets.count)
        var frontier = Frontier()
        for (index, ids) in stateSets.enumerated() {
            let bit = StateSetMask.single(index, of: stateSets.count)
            for id in ids { try await walk.enqueue(id, bits: bit, into: &frontier, events: events) }
        }
        while let next = frontier.order.pop() {
            guard let pending = frontier.pending.removeValue(forKey: next.id) else { continue }
            let known = walk.masks[next.id] ?? StateSetMask(count: walk.setCount)
            let gained = pending.bits.subtracting(known)
            if gained.isEmpty { continue }
            var updated = known
            updated.formUnion(gained)
            walk.masks[next.id] = updated
            // An unknown event is still in the chains that cite it, but has nothing to expand.
            guard let event = pending.event else { continue }
            if recordEdges, walk.edges[next.id] == nil { walk.edges[next.id] = event.authEvents }
            for authId in event.authEvents {
                try await walk.enqueue(authId, bits: gained, into: &frontier, events: events)
            }
        }
        return walk
    }

    /// The auth difference: events in some but not all of the full auth chains.
    func difference() -> Set<String> {
        let full = StateSetMask.full(setCount)
        return Set(masks.lazy.filter { $0.value != full }.map(\.key))
    }

    /// Room version 12's conflicted state subgraph: every event on an `auth_events` path from one
    /// conflicted event to another, endpoints included. That is the events reachable from a conflicted
    /// event that can themselves reach a conflicted event. Needs `recordEdges`.
    func conflictedSubgraph(conflicted: Set<String>) -> Set<String> {
        // Events reachable from the conflicted events (the conflicted events' auth chains).
        var reachable: Set<String> = []
        var stack = Array(conflicted)
        while let id = stack.popLast() {
            guard reachable.insert(id).inserted else { continue }
            stack.append(contentsOf: edges[id] ?? [])
        }
        // Walk back from the conflicted events along reversed edges, inside that set.
        var citers: [String: [String]] = [:]
        for id in reachable {
            for authId in edges[id] ?? [] where reachable.contains(authId) { citers[authId, default: []].append(id) }
        }
        var subgraph: Set<String> = []
        stack = Array(conflicted)
        while let id = stack.popLast() {
            guard subgraph.insert(id).inserted else { continue }
            stack.append(contentsOf: citers[id] ?? [])
        }
        return subgraph
    }

    private mutating func enqueue(
        _ id: String, bits: StateSetMask, into frontier: inout Frontier, events: ResolutionEvents
    ) async throws {
        if var pending = frontier.pending[id] {
            pending.bits.formUnion(bits)
            frontier.pending[id] = pending
            return
        }
        if let known = masks[id], bits.subtracting(known).isEmpty { return }
        let event = try await events.fetch(id)
        frontier.pending[id] = Frontier.Pending(bits: bits, event: event)
        frontier.order.push(Frontier.Entry(depth: event?.depth ?? .min, id: id))
    }

    /// Events waiting to be expanded, with the bits they are to pass on.
    private struct Frontier {
        struct Pending {
            var bits: StateSetMask
            let event: PDU?
        }

        /// Heap order: greatest depth first, then event ID so the walk is deterministic.
        struct Entry: Comparable {
            let depth: Int64
            let id: String
            static func < (a: Entry, b: Entry) -> Bool { a.depth != b.depth ? a.depth > b.depth : a.id < b.id }
        }

        var pending: [String: Pending] = [:]
        var order = BinaryHeap<Entry>()
    }
}
