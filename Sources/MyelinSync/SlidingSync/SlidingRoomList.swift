import MyelinStorage

/// One of the user's rooms as sliding sync lists see it.
struct SlidingRoomEntry: Sendable {
    let membership: UserMembership
    let facts: SlidingRoomFacts
    let isDM: Bool
    let tags: Set<String>

    var roomId: String { membership.roomId }

    /// Recency: a joined room's last bump event, else when the membership changed.
    var order: Int64 { membership.membership == "join" ? facts.bumpStamp ?? membership.streamPos : membership.streamPos }
}

/// The rooms a list's filters let through, and the window of them its ranges select.
struct SlidingRoomList {
    /// The user's rooms, most recent first.
    let entries: [SlidingRoomEntry]
    /// The children of each space the filters name that the user is joined to.
    let spaceChildren: [String: Set<String>]

    init(entries: [SlidingRoomEntry], spaceChildren: [String: Set<String>]) {
        self.entries = entries.sorted { ($0.order, $1.roomId) > ($1.order, $0.roomId) }
        self.spaceChildren = spaceChildren
    }

    /// A list's window: the rooms each range selects (one "range" over all when the list has none), the
    /// rooms of all its ranges without repeats, and the count of rooms that pass its filters.
    struct Window {
        var ranges: [(range: ClosedRange<Int>, roomIds: [String])]
        var roomIds: [String]
        var count: Int
    }

    func window(_ config: SlidingListConfig) -> Window {
        let passing = entries.filter { passes($0, config.filters) }.map(\.roomId)
        let ranges = config.ranges ?? [0...max(0, passing.count - 1)]
        var seen: Set<String> = []
        var window = Window(ranges: [], roomIds: [], count: passing.count)
        for range in ranges {
            let ids = range.lowerBound < passing.count
                ? Array(passing[range.lowerBound...min(range.upperBound, passing.count - 1)]) : []
            window.ranges.append((range, ids))
            window.roomIds += ids.filter { seen.insert($0).inserted }
        }
        return window
    }

    func passes(_ entry: SlidingRoomEntry, _ filters: SlidingRoomFilters?) -> Bool {
        guard let filters else { return true }
        if let isDM = filters.isDM, entry.isDM != isDM { return false }
        if let isEncrypted = filters.isEncrypted, entry.facts.isEncrypted != isEncrypted { return false }
        if let isInvite = filters.isInvite, (entry.membership.membership == "invite") != isInvite { return false }
        if let spaces = filters.spaces {
            guard spaces.contains(where: { spaceChildren[$0]?.contains(entry.roomId) ?? false }) else { return false }
        }
        // A room whose type is unknown (a remote invite without its create event) passes no type filter.
        if let types = filters.roomTypes {
            guard entry.facts.hasCreateEvent, types.contains(entry.facts.roomType) else { return false }
        }
        if let types = filters.notRoomTypes, !types.isEmpty {
            guard entry.facts.hasCreateEvent, !types.contains(entry.facts.roomType) else { return false }
        }
        if let needle = filters.roomNameLike {
            guard let name = entry.facts.name, name.lowercased().contains(needle.lowercased()) else { return false }
        }
        if let notTags = filters.notTags, !entry.tags.isDisjoint(with: notTags) { return false }
        if let tags = filters.tags, !tags.isEmpty, entry.tags.isDisjoint(with: tags) { return false }
        return true
    }
}
