import MatrixCore

/// A `/sync` request, parsed.
public struct SyncRequest: Sendable {
    public var since: SyncToken?
    public var timeout: Duration
    public var fullState: Bool
    public var filter: Filter
    /// `set_presence`: online (the default), unavailable or offline.
    public var setPresence: String

    public init(since: SyncToken? = nil, timeout: Duration = .zero, fullState: Bool = false,
                filter: Filter? = nil, setPresence: String = "online") throws {
        self.since = since
        self.setPresence = setPresence
        self.timeout = timeout
        self.fullState = fullState
        self.filter = try filter ?? Filter(json: [:])
    }
}
