/// Which state a sliding sync room config asks for: `[type, state_key]` pairs where `*` matches any
/// type or state key, `$ME` is the requester's user ID and `["m.room.member", "$LAZY"]` asks for the
/// members the timeline needs (lazy loading). As Synapse does, a `*` type returns the whole state.
public struct RequiredStateRequest: Sendable, Equatable {
    static let wildcard = "*"
    static let me = "$ME"
    static let lazy = "$LAZY"

    /// Event type → the state keys asked for.
    public private(set) var byType: [String: Set<String>]

    public init(_ entries: [(type: String, stateKey: String)]) {
        var byType: [String: Set<String>] = [:]
        for entry in entries { byType[entry.type, default: []].insert(entry.stateKey) }
        self.byType = byType
    }

    public var isEmpty: Bool { byType.isEmpty }

    /// Every state event of the room.
    public var includesEverything: Bool { byType[Self.wildcard] != nil }

    public var lazyMembers: Bool { byType["m.room.member"]?.contains(Self.lazy) ?? false }

    public func includes(type: String, stateKey: String, me: String) -> Bool {
        if includesEverything { return true }
        guard let keys = byType[type] else { return false }
        return keys.contains(Self.wildcard) || keys.contains(stateKey) || (stateKey == me && keys.contains(Self.me))
    }

    /// Members named explicitly (they are not lazy-loaded members, whose tracking they would confuse).
    public func explicitMembers(me: String) -> Set<String> {
        Set((byType["m.room.member"] ?? []).compactMap { key -> String? in
            switch key {
            case Self.wildcard, Self.lazy: return nil
            case Self.me: return me
            default: return key
            }
        })
    }

    /// Whether every member's state is asked for (no lazy loading needed).
    public var includesAllMembers: Bool {
        includesEverything || (byType["m.room.member"]?.contains(Self.wildcard) ?? false)
    }

    public func union(_ other: RequiredStateRequest) -> RequiredStateRequest {
        var result = self
        for (type, keys) in other.byType { result.byType[type, default: []].formUnion(keys) }
        return result
    }

    /// Whether this asks for anything `previous` did not (the room's state is then sent again for the
    /// new part).
    public func expands(_ previous: RequiredStateRequest) -> Bool {
        if previous.includesEverything { return false }
        if includesEverything { return true }
        for (type, keys) in byType {
            let before = previous.byType[type] ?? []
            if before.contains(Self.wildcard) { continue }
            if !keys.subtracting(before).isEmpty { return true }
        }
        return false
    }
}
