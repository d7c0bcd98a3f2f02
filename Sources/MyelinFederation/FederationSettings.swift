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
    /// Seconds an inbound transaction may take before it is answered (fetching missing events stops then).
    public var transactionTimeoutS = 30
    /// Outbound retry backoff: first delay, doubling (with jitter) up to the cap.
    public var retryInitialMs: Int64 = 5_000
    public var retryMaxMs: Int64 = 3_600_000
    /// Events kept queued per destination on disk; past this the oldest are dropped and the destination
    /// catches up through `get_missing_events` from the newest ones.
    public var maxQueuedEventsPerDestination = 10_000
    /// Missing-event fetching: events fetched per incoming PDU, and the deadline for one PDU's fetching.
    public var maxMissingEventsPerPDU = 200
    public var missingEventsTimeoutS = 60
    /// Events (state and its auth chain) we accept to fetch for the state at one gap; a room whose state is
    /// larger than this cannot be caught up over a gap (it can still be joined).
    public var maxStateEventsFetched = 5_000
    /// Bytes of remote server keys kept in memory (drawn from `memory_budget_mb`).
    public var keyCacheBytes = 256 * 1024
    /// How long our published key document says it is valid (`valid_until_ts` = now + this). One day, as
    /// Synapse's `key_refresh_interval`: other servers refetch about that often.
    public var keyValidityMs: Int64 = 86_400_000
    /// Signing keys we used to have, published under `old_verify_keys` so events they signed stay
    /// verifiable (Synapse's `old_signing_keys`).
    public var oldVerifyKeys: [OldVerifyKey] = []

    public init() {}
}

/// A retired signing key of ours, as `old_verify_keys` lists it.
public struct OldVerifyKey: Sendable, Equatable {
    /// `ed25519:<version>`.
    public var keyId: String
    /// The public key, unpadded base64.
    public var publicKeyBase64: String
    /// When we stopped signing with it (ms since the epoch).
    public var expiredTs: Int64

    public init(keyId: String, publicKeyBase64: String, expiredTs: Int64) {
        self.keyId = keyId
        self.publicKeyBase64 = publicKeyBase64
        self.expiredTs = expiredTs
    }
}
