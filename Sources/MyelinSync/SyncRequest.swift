import MatrixCore

/// A `/sync` request, parsed. A class: a long-poll's async frames (route, service, each round) would
/// otherwise each hold a copy of the filter (about 700 bytes) for as long as the request waits.
public final class SyncRequest: Sendable {
    public let since: SyncToken?
    public let timeout: Duration
    public let fullState: Bool
    public let filter: Filter
    /// `set_presence`: online (the default), unavailable or offline.
    public let setPresence: String
    /// `use_state_after` (spec v1.16): rooms carry `state_after` (the state up to the timeline's end)
    /// instead of `state` (up to its start).
    public let useStateAfter: Bool

    public init(since: SyncToken? = nil, timeout: Duration = .zero, fullState: Bool = false,
                filter: Filter? = nil, setPresence: String = "online", useStateAfter: Bool = false) throws {
        self.since = since
        self.useStateAfter = useStateAfter
        self.setPresence = setPresence
        self.timeout = timeout
        self.fullState = fullState
        self.filter = try filter ?? Filter(json: [:])
    }
}
