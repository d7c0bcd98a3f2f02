/// Where state resolution gets its events. Resolution works on event IDs and asks for events one at a
/// time, so storage can stream them in instead of loading whole rooms.
public protocol StateResolutionLookup: Sendable {
    /// The event with this ID, or nil when it is unknown. The spec has resolution ignore events a
    /// server cannot fetch, so nil excludes the event rather than failing the resolution.
    func event(_ id: String) async throws -> PDU?

    /// Whether the event was rejected. The spec bars rejected events from standing in for missing
    /// state during the iterative auth checks (they are never re-authed there). Defaults to false
    /// for stores that do not track rejection.
    func isRejected(_ id: String) async throws -> Bool
}

extension StateResolutionLookup {
    public func isRejected(_ id: String) async throws -> Bool { false }
}

/// Resolution of the room states after several forward extremities into one state
/// (spec: `rooms/v1.md` "State resolution", `rooms/fragments/v2-state-res.md`, `rooms/v12.md`).
public enum StateResolution {
    /// The authorisation rules, injected: true when `event` is allowed given the state that the
    /// closure returns. Resolution builds that state itself (resolved state first, the event's own
    /// auth events where the spec says so), so the rules never see storage.
    public typealias AuthCheck = @Sendable (PDU, (StateTuple) -> PDU?) -> Bool

    /// The real authorisation rules (`AuthRules`), as resolution calls them.
    public static let authorisationRules: AuthCheck = { event, state in AuthRules.check(event, state: state) == .allow }

    /// Resolves `stateSets` with the algorithm of `roomVersion` and the spec's authorisation rules.
    public static func resolve(
        roomVersion: RoomVersion, stateSets: [[StateTuple: String]], lookup: some StateResolutionLookup
    ) async throws -> [StateTuple: String] {
        try await resolve(roomVersion: roomVersion, stateSets: stateSets, lookup: lookup, authCheck: authorisationRules)
    }

    /// Resolves `stateSets` (each a `(type, state_key)` to event ID map) with the algorithm of
    /// `roomVersion`. Events the lookup does not know are left out; errors the lookup throws pass
    /// through.
    public static func resolve(
        roomVersion: RoomVersion, stateSets: [[StateTuple: String]], lookup: some StateResolutionLookup,
        authCheck: AuthCheck
    ) async throws -> [StateTuple: String] {
        // Nothing to resolve: every algorithm maps one state to itself.
        if stateSets.isEmpty { return [:] }
        if stateSets.count == 1 { return stateSets[0] }

        let events = ResolutionEvents(lookup: lookup, roomVersion: roomVersion)
        switch roomVersion.stateResolution {
        case .v1:
            return try await StateResolutionV1.resolve(stateSets: stateSets, events: events, authCheck: authCheck)
        case .v2:
            return try await StateResolutionV2.resolve(
                stateSets: stateSets, startFromEmptyState: false, events: events, authCheck: authCheck)
        case .v2_1:
            return try await StateResolutionV2.resolve(
                stateSets: stateSets, startFromEmptyState: true, events: events, authCheck: authCheck)
        }
    }
}

/// Well-known event types and state keys state resolution singles out.
enum StateKeys {
    static let create = StateTuple(type: "m.room.create", stateKey: "")
    static let powerLevels = StateTuple(type: "m.room.power_levels", stateKey: "")
    static let joinRules = StateTuple(type: "m.room.join_rules", stateKey: "")
    static let memberType = "m.room.member"
}
