import MatrixCore

/// What deciding whether another server may read a room needs, read together.
public struct FederationRoomAccess: Sendable {
    public let room: RoomRecord
    /// Whether one of the server's users is joined in current state (Synapse's `is_host_joined`).
    public let serverJoined: Bool
    /// Current state's `m.room.server_acl` event, if any.
    public let serverACL: StoredEvent?
    /// The event the request names, when it asked for one and the event is stored in this room.
    public let event: StoredEvent?
}

/// The parts of a room state that decide whether a server may see an event there.
public struct ServerVisibilityState: Sendable, Equatable {
    public let historyVisibility: HistoryVisibility
    /// Memberships of the server's users (user ID → membership). Only read when the visibility is
    /// `joined` or `invited`; empty otherwise, as nothing depends on them then.
    public let memberships: [String: Membership]

    public init(historyVisibility: HistoryVisibility, memberships: [String: Membership]) {
        self.historyVisibility = historyVisibility
        self.memberships = memberships
    }
}

/// Events to serve to a server, with the visibility state before each (by `stateBefore` snapshot;
/// events without one, outliers, have none).
public struct ServableEvents: Sendable {
    public let events: [StoredEvent]
    public let visibility: [Int64: ServerVisibilityState]
}

/// One event asked for by ID, with its room's access facts and its visibility state.
public struct ServableEvent: Sendable {
    public let access: FederationRoomAccess
    public let event: StoredEvent
    public let visibility: ServerVisibilityState?
}

/// The state before an event and the auth chain of that state, as event IDs or stored events.
public struct StateWithAuthChain<Item: Sendable>: Sendable {
    /// Oldest first (by depth).
    public let state: [Item]
    /// Oldest first (by depth), each event once.
    public let authChain: [Item]
}

/// The result of a read that stops rather than build an answer past its size bound.
public enum BoundedResult<Value: Sendable>: Sendable {
    case found(Value)
    /// More than the bound: `atLeast` items were counted before stopping.
    case tooLarge(atLeast: Int)
}
