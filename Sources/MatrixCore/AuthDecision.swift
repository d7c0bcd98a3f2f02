/// The outcome of the authorization rules for one event.
public enum AuthDecision: Sendable, Equatable, CustomStringConvertible {
    case allow
    /// Rejected; the reason starts with the number of the rule that failed in the event's room
    /// version (e.g. "rule 4.3.4: ..."), so logs and tests can say why.
    case reject(String)

    public var isAllowed: Bool { self == .allow }

    /// The rejection reason, or nil when allowed.
    public var reason: String? {
        if case .reject(let reason) = self { return reason }
        return nil
    }

    public var description: String {
        switch self {
        case .allow: return "allow"
        case .reject(let reason): return "reject (\(reason))"
        }
    }
}
