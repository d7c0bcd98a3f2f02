/// Step 3 of v2 resolution: orders the events that are not power events by where their power levels
/// history meets the mainline of the resolved power levels event.
enum MainlineOrdering {
    /// `ids` sorted by the mainline ordering based on `powerLevelsId` (nil when the partially resolved
    /// state has no power levels: every position is then "infinity" and only timestamps and IDs
    /// decide). Unknown events sort as if they had no power levels history.
    static func sorted(_ ids: [String], powerLevelsId: String?, events: ResolutionEvents) async throws -> [String] {
        if ids.isEmpty { return [] }

        // The mainline: P0 = the resolved power levels, then each one's power levels auth event.
        var mainline: [String: Int] = [:]
        var next = powerLevelsId
        while let id = next, mainline[id] == nil {
            mainline[id] = mainline.count
            next = try await powerLevelsAuthEvent(of: id, events: events)
        }

        // Positions of power levels events met along the way, so chains are walked once overall.
        var memo: [String: Int?] = [:]
        var keys: [Key] = []
        keys.reserveCapacity(ids.count)
        for id in ids {
            let event = try await events.load(id)
            var walked: [String] = []
            var seen: Set<String> = []
            var position: Int?
            var cursor: String? = nil
            if event != nil { cursor = try await powerLevelsAuthEvent(of: id, events: events) }
            while let current = cursor {
                if let found = mainline[current] { position = found; break }
                if let known = memo[current] { position = known; break }
                // A cycle (never in a valid room) ends the walk with no position.
                guard seen.insert(current).inserted else { break }
                walked.append(current)
                cursor = try await powerLevelsAuthEvent(of: current, events: events)
            }
            for visited in walked { memo[visited] = .some(position) }
            keys.append(Key(position: position, originServerTs: event?.originServerTs ?? 0, id: id))
        }
        return keys.sorted().map(\.id)
    }

    /// x < y when x's position is greater (nil, "infinity", is greatest), then the earlier
    /// `origin_server_ts`, then the smaller ID.
    private struct Key: Comparable {
        let position: Int?
        let originServerTs: Int64
        let id: String

        static func < (a: Key, b: Key) -> Bool {
            if a.position != b.position {
                guard let pa = a.position else { return true }
                guard let pb = b.position else { return false }
                return pa > pb
            }
            if a.originServerTs != b.originServerTs { return a.originServerTs < b.originServerTs }
            return a.id < b.id
        }
    }

    /// The `m.room.power_levels` event among the auth events of `id`, read without caching: power
    /// levels histories can be long and each event is only needed for its auth events.
    private static func powerLevelsAuthEvent(of id: String, events: ResolutionEvents) async throws -> String? {
        guard let event = try await events.fetch(id) else { return nil }
        for authId in event.authEvents {
            if let authEvent = try await events.fetch(authId), authEvent.stateTuple == StateKeys.powerLevels {
                return authId
            }
        }
        return nil
    }
}
