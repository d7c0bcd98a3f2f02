/// The `[federation]` section of the configuration, as the federation services take it.
public struct FederationSettings: Sendable {
    /// Off: no federation routes answer (404 `M_UNRECOGNIZED`) and nothing is sent to other servers.
    public var enabled = true
    /// Notaries asked for a server's keys when the server itself cannot be reached (Synapse's default
    /// is matrix.org). Their own keys are fetched from them directly.
    public var trustedKeyServers: [String] = ["matrix.org"]
    /// PDUs and EDUs in one outbound transaction (the spec's maxima).
    public var maxPDUsPerTransaction = 50
    public var maxEDUsPerTransaction = 100
    /// Inbound transactions processed at once per origin; more wait, up to `maxQueuedTransactionsPerOrigin`.
    public var maxConcurrentTransactionsPerOrigin = 1
    public var maxQueuedTransactionsPerOrigin = 8
    /// Outbound retry backoff: first delay, doubling (with jitter) up to the cap.
    public var retryInitialMs: Int64 = 5_000
    public var retryMaxMs: Int64 = 3_600_000
    /// Events kept queued per destination on disk; past this the oldest are dropped and the destination
    /// catches up through `get_missing_events` from the newest ones.
    public var maxQueuedEventsPerDestination = 10_000
    /// Missing-event fetching: events fetched per incoming PDU, and the deadline for one PDU's fetching.
    public var maxMissingEventsPerPDU = 200
    public var missingEventsTimeoutS = 60
    /// Bytes of remote server keys kept in memory (drawn from `memory_budget_mb`).
    public var keyCacheBytes = 256 * 1024

    public init() {}
}
