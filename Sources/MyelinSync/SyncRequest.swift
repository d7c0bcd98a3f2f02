import MatrixCore

/// A `/sync` request, parsed.
public struct SyncRequest: Sendable {
    public var since: SyncToken?
    public var timeout: Duration
    public var fullState: Bool
    public var filter: Filter

    public init(since: SyncToken? = nil, timeout: Duration = .zero, fullState: Bool = false,
                filter: Filter? = nil) throws {
        self.since = since
        self.timeout = timeout
        self.fullState = fullState
        self.filter = try filter ?? Filter(json: [:])
    }
}
