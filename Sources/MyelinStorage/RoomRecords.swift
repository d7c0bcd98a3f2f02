import MatrixCore

/// What the pipeline decided about an event. Only accepted events are in the timeline and have a
/// stream position; soft-failed ones keep their place in the DAG but are not served.
public enum EventStatus: Int, Sendable {
    case accepted = 0
    case softFailed = 1
    case rejected = 2
    case outlier = 3
}

/// A room as stored.
public struct RoomRecord: Sendable, Equatable {
    public let nid: Int64
    public let roomId: String
    public let version: String
    /// The state after the forward extremities (the room's current state).
    public let currentSnapshot: Int64?
    public let directoryPublic: Bool
}

/// An event row without its JSON parsed.
public struct StoredEvent: Sendable {
    public let nid: Int64
    public let eventId: String
    public let roomNid: Int64
    public let type: String
    public let stateKey: String?
    public let sender: String
    public let depth: Int64
    public let originServerTs: Int64
    public let streamPos: Int64?
    public let stateBefore: Int64?
    public let stateAfter: Int64?
    /// The state event this one replaced (same type and state key), for `unsigned.prev_content`.
    public let replacesNid: Int64?
    public let status: EventStatus
    public let rejection: String?
    /// The accepted redaction that redacts this event, if any.
    public let redactedBy: Int64?
    public let relatesTo: String?
    public let relType: String?
    /// The event as received or built (canonical JSON bytes), or its redacted form once pruned.
    public let json: [UInt8]
}

/// Who sent an event with which transaction ID (`PUT /send/{type}/{txnId}` idempotency, per device).
public struct TransactionKey: Sendable, Hashable {
    public let userNid: Int64
    public let deviceId: String
    public let txnId: String

    public init(userNid: Int64, deviceId: String, txnId: String) {
        self.userNid = userNid
        self.deviceId = deviceId
        self.txnId = txnId
    }
}

/// A member event taking effect in the current state.
public struct MembershipWrite: Sendable {
    public let userId: String
    public let membership: String
    public let eventId: String

    public init(userId: String, membership: String, eventId: String) {
        self.userId = userId
        self.membership = membership
        self.eventId = eventId
    }
}

/// How an accepted event moves the room's current state.
public enum CurrentStateWrite: Sendable {
    /// The event's prev events were all the forward extremities: current state is the state after it.
    case stateAfterEvent(extremities: [String], memberships: [MembershipWrite])
    /// Several extremities remain: current state is their resolution, given as changes to the
    /// current snapshot (nil removes a key).
    case resolved(extremities: [String], changes: [StateTuple: String?], memberships: [MembershipWrite])
    /// Soft-failed, rejected or outlier events leave current state alone.
    case unchanged
}

/// Everything persisting one event writes, in one transaction.
public struct EventWrite: Sendable {
    public var roomNid: Int64
    public var eventId: String
    public var type: String
    public var stateKey: String?
    public var sender: String
    public var depth: Int64
    public var originServerTs: Int64
    public var receivedTs: Int64
    public var json: [UInt8]
    public var prevEvents: [String]
    public var authEvents: [String]
    public var status: EventStatus
    public var rejection: String?
    /// The snapshot of the state before the event; nil only for outliers.
    public var stateBefore: Int64?
    /// Whether the state after the event includes it (accepted and soft-failed state events).
    public var addsToState: Bool
    /// The event this one redacts, when the redaction is to be applied.
    public var redacts: String?
    public var relatesTo: String?
    public var relType: String?
    public var transaction: TransactionKey?
    public var currentState: CurrentStateWrite
    /// History fetched from other servers (`/backfill`): accepted, but given a stream position below every
    /// other so it orders before what we saw live and never shows up as new in sync.
    public var backfilled = false

    public init(roomNid: Int64, eventId: String, type: String, stateKey: String?, sender: String, depth: Int64,
                originServerTs: Int64, receivedTs: Int64, json: [UInt8], prevEvents: [String], authEvents: [String],
                status: EventStatus, rejection: String? = nil, stateBefore: Int64?, addsToState: Bool,
                redacts: String? = nil, relatesTo: String? = nil, relType: String? = nil,
                transaction: TransactionKey? = nil, currentState: CurrentStateWrite) {
        self.roomNid = roomNid
        self.eventId = eventId
        self.type = type
        self.stateKey = stateKey
        self.sender = sender
        self.depth = depth
        self.originServerTs = originServerTs
        self.receivedTs = receivedTs
        self.json = json
        self.prevEvents = prevEvents
        self.authEvents = authEvents
        self.status = status
        self.rejection = rejection
        self.stateBefore = stateBefore
        self.addsToState = addsToState
        self.redacts = redacts
        self.relatesTo = relatesTo
        self.relType = relType
        self.transaction = transaction
        self.currentState = currentState
    }
}

/// What persisting an event produced.
public struct PersistedEvent: Sendable {
    public let nid: Int64
    public let streamPos: Int64?
    public let stateAfter: Int64?
}
