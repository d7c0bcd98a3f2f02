/// The events of one resolution. It wraps the lookup with a cache that lives only as long as the
/// resolution, and only for the events resolution comes back to (the full conflicted set, their auth
/// events, the state they are checked against). The auth chain walk, which may pass over the whole
/// room, reads through `fetch` instead so those events are not kept.
final class ResolutionEvents {
    let roomVersion: RoomVersion
    private let lookup: any StateResolutionLookup
    private var cached: [String: PDU?] = [:]
    private var rejected: [String: Bool] = [:]

    init(lookup: any StateResolutionLookup, roomVersion: RoomVersion) {
        self.lookup = lookup
        self.roomVersion = roomVersion
    }

    /// The event, remembered for the rest of the resolution.
    func load(_ id: String) async throws -> PDU? {
        if let known = cached[id] { return known }
        let event = try await lookup.event(id)
        cached[id] = .some(event)
        return event
    }

    /// The event, not remembered (unless it already was).
    func fetch(_ id: String) async throws -> PDU? {
        if let known = cached[id] { return known }
        return try await lookup.event(id)
    }

    func isRejected(_ id: String) async throws -> Bool {
        if let known = rejected[id] { return known }
        let answer = try await lookup.isRejected(id)
        rejected[id] = answer
        return answer
    }

    /// The event's auth events by `(type, state_key)`, skipping unknown and rejected ones. When an
    /// event cites two events for one key (malformed), the later citation wins, as a map would.
    func authEventsByKey(of event: PDU) async throws -> [StateTuple: PDU] {
        var byKey: [StateTuple: PDU] = [:]
        for id in event.authEvents {
            guard let authEvent = try await load(id), let key = authEvent.stateTuple else { continue }
            if try await isRejected(id) { continue }
            byKey[key] = authEvent
        }
        return byKey
    }

    /// The room's create event as seen from `event`. From room version 12 the create event is no
    /// longer cited in `auth_events`: the room ID is its event ID with `!` for `$`.
    func createEvent(for event: PDU) async throws -> PDU? {
        if roomVersion.roomIDFromCreateEvent, let roomId = event.roomId, roomId.hasPrefix("!") {
            return try await load("$" + roomId.dropFirst())
        }
        for id in event.authEvents {
            if let authEvent = try await load(id), authEvent.stateTuple == StateKeys.create { return authEvent }
        }
        return nil
    }
}
