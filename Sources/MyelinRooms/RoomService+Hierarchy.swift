import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `GET /rooms/{roomId}/hierarchy` over the rooms this server holds: a depth-first walk of
/// `m.space.child` events from the root, as the spec and Synapse do. Rooms the server is not in would
/// need federation and are left out for now.
extension RoomService {
    /// The most rooms a page holds, and the page size when the client names none (Synapse's values).
    public static let hierarchyMaxLimit = 50

    /// - Parameters:
    ///   - limit: rooms per page, > 0 (400 `M_INVALID_PARAM` otherwise); capped at `hierarchyMaxLimit`.
    ///   - maxDepth: how deep to go, >= 0 (0 is the root alone); nil for no limit (a room is visited once,
    ///     so cycles end).
    ///   - from: a `next_batch`; `suggestedOnly` and `maxDepth` must match the first request (400).
    /// - Throws: 403 `M_FORBIDDEN` when the requester may not see the root, or the room does not exist
    ///   (the spec's reasons for 403).
    public func spaceHierarchy(_ requester: Requester, roomId: String, suggestedOnly: Bool = false,
                               limit: Int64? = nil, maxDepth: Int64? = nil, from: String? = nil) async throws
        -> SpaceHierarchyPage
    {
        if let limit, limit <= 0 { throw MatrixError.invalidParam("limit must be greater than zero") }
        if let maxDepth, maxDepth < 0 { throw MatrixError.invalidParam("max_depth must not be negative") }
        let pageSize = limit.map { Int(clamping: min($0, Int64(Self.hierarchyMaxLimit))) } ?? Self.hierarchyMaxLimit
        let depthLimit = maxDepth.map { Int(clamping: $0) }
        guard let root = try await store.room(id: roomId), try await isPeekableOrJoinable(root, by: requester.userId)
        else { throw MatrixError.forbidden("You are not allowed to view room \(roomId)") }
        var skip = 0
        if let from {
            let cursor = try SpaceHierarchyCursor(token: from)
            guard cursor.roomId == roomId, cursor.suggestedOnly == suggestedOnly, cursor.maxDepth == depthLimit else {
                throw MatrixError.invalidParam("suggested_only and max_depth cannot change on paginated requests")
            }
            skip = cursor.offset
        }
        // The next room to visit is last; children are pushed in reverse so the first child comes next.
        var stack: [(roomId: String, depth: Int)] = [(roomId, 0)]
        var visited: Set<String> = []
        var walked = 0
        var rooms: [SpaceHierarchyRoom] = []
        while rooms.count < pageSize, let (nextId, depth) = stack.popLast() {
            guard visited.insert(nextId).inserted else { continue }
            let room: RoomRecord
            if nextId == roomId {
                room = root
            } else {
                guard let child = try await store.room(id: nextId),
                    try await isPeekableOrJoinable(child, by: requester.userId)
                else { continue }
                room = child
            }
            let summary = try await summary(room)
            let children = summary.roomType == "m.space"
                ? try await spaceChildren(room, suggestedOnly: suggestedOnly) : []
            if walked >= skip { rooms.append(SpaceHierarchyRoom(summary: summary, childrenState: children)) }
            walked += 1
            if depthLimit.map({ depth < $0 }) ?? true {
                for child in children.reversed() {
                    guard let childId = child["state_key"]?.stringValue, !visited.contains(childId) else { continue }
                    stack.append((childId, depth + 1))
                }
            }
        }
        let next = stack.isEmpty ? nil : SpaceHierarchyCursor(
            roomId: roomId, suggestedOnly: suggestedOnly, maxDepth: depthLimit, offset: walked
        ).token
        return SpaceHierarchyPage(rooms: rooms, nextBatch: next)
    }

    /// Whether a user may see a room in a hierarchy, as the spec lists: they are joined or invited; or
    /// may join (join rule `public`, or `restricted`/`knock_restricted` with membership of an allowed
    /// room); or may knock (`knock`, `knock_restricted` where the version has them); or its history is
    /// world-readable. A banned user sees nothing of it (the spec's example reasons for 403).
    func isPeekableOrJoinable(_ room: RoomRecord, by userId: String) async throws -> Bool {
        let joinRules = StateTuple(type: "m.room.join_rules", stateKey: "")
        let visibility = StateTuple(type: "m.room.history_visibility", stateKey: "")
        let state = try await currentState(room, [joinRules, visibility])
        switch try await membership(room, userId) {
        case .join, .invite: return true
        case .ban: return false
        default: break
        }
        if HistoryVisibility(content: state[visibility]?.content) == .worldReadable { return true }
        guard let version = RoomVersion.named(room.version), let rules = state[joinRules]?.content else { return false }
        switch rules["join_rule"]?.stringValue {
        case "public"?:
            return true
        case "knock"? where version.knocking:
            return true
        case "knock_restricted"? where version.knockRestricted:
            return true
        case "restricted"? where version.restrictedJoins:
            return try await isMemberOfAllowedRoom(rules, userId: userId)
        default:
            return false
        }
    }

    /// Membership of one of the rooms a restricted join rule's `allow` list names.
    private func isMemberOfAllowedRoom(_ rules: JSONObject, userId: String) async throws -> Bool {
        guard case .array(let allow)? = rules["allow"] else { return false }
        for case .object(let condition) in allow where condition["type"]?.stringValue == "m.room_membership" {
            guard let allowedId = condition["room_id"]?.stringValue,
                let allowed = try await store.room(id: allowedId)
            else { continue }
            if try await membership(allowed, userId) == .join { return true }
        }
        return false
    }

    /// The room's `m.space.child` events with a valid `via`, stripped, in the spec's order: a valid
    /// `order` first (by it), then by `origin_server_ts`, then by room ID.
    func spaceChildren(_ room: RoomRecord, suggestedOnly: Bool) async throws -> [JSONObject] {
        guard let snapshot = room.currentSnapshot else { return [] }
        let ids = try await store.state(snapshot: snapshot, type: "m.space.child")
        let tuples = Dictionary(uniqueKeysWithValues: ids.map { (StateTuple(type: "m.space.child", stateKey: $0.key), $0.value) })
        let events = try await loader(room).events(of: tuples).values.filter { event in
            guard case .array(let via)? = event.content["via"], !via.isEmpty,
                via.allSatisfy({ $0.stringValue != nil })
            else { return false }
            return !suggestedOnly || event.content["suggested"]?.boolValue == true
        }
        let sorted = events.sorted { a, b in
            let orderA = Self.childOrder(a), orderB = Self.childOrder(b)
            if orderA != orderB {
                guard let orderA else { return false }
                guard let orderB else { return true }
                return orderA.utf8.lexicographicallyPrecedes(orderB.utf8)
            }
            if a.originServerTs != b.originServerTs { return a.originServerTs < b.originServerTs }
            return (a.stateKey ?? "") < (b.stateKey ?? "")
        }
        return sorted.map { event in
            [
                "type": .string(event.type), "state_key": .string(event.stateKey ?? ""),
                "content": .object(event.content), "sender": .string(event.sender),
                "origin_server_ts": .int(event.originServerTs),
            ]
        }
    }

    /// A child's `order` when valid: a string of at most 50 characters from U+0020 to U+007E.
    static func childOrder(_ event: PDU) -> String? {
        guard let order = event.content["order"]?.stringValue, order.unicodeScalars.count <= 50,
            order.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) })
        else { return nil }
        return order
    }
}
