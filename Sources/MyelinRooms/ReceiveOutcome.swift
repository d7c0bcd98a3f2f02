/// What the pipeline did with a remote event it could process.
public enum ReceiveOutcome: Sendable, Equatable {
    /// In the timeline and (for state) in the room's state; `streamPos` orders it for sync.
    case accepted(eventId: String, streamPos: Int64)
    /// Authorised by the state before it but not by current state: kept in the DAG, never served.
    case softFailed(eventId: String, reason: String)
    /// Refused by the authorisation rules; stored as rejected so later events citing it fail too.
    case rejected(eventId: String, reason: String)
    /// Seen before; nothing done.
    case alreadyKnown(eventId: String)
}

/// Why the pipeline could not process a remote event at all (nothing stored).
public enum ReceiveError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownRoom(String)
    case invalidEvent(String)
    case badSignature(String)
    /// Federation must fetch these first (`get_missing_events`, `/event_auth`).
    case missingPrevEvents([String])
    case missingAuthEvents([String])

    public var description: String {
        switch self {
        case .unknownRoom(let room): return "room \(room) is not known here"
        case .invalidEvent(let why): return "invalid event: \(why)"
        case .badSignature(let why): return "bad signature: \(why)"
        case .missingPrevEvents(let ids): return "prev events not known: \(ids.joined(separator: ", "))"
        case .missingAuthEvents(let ids): return "auth events not known: \(ids.joined(separator: ", "))"
        }
    }
}
