/// Limits of the ephemeral streams.
public struct EphemeralSettings: Sendable {
    /// A typing notice without `timeout` lasts this long (Synapse's default).
    public var typingDefaultTimeoutMs: Int64
    /// Longer timeouts are cut to this (Synapse's cap: clients refresh well before).
    public var typingMaxTimeoutMs: Int64
    /// An online user who has not been active for this long becomes `unavailable` (spec: "e.g. 5 minutes").
    public var presenceIdleTimeoutMs: Int64
    /// An online user counts as `currently_active` this long after their last activity (Synapse's value);
    /// meanwhile their activity does not produce presence updates.
    public var presenceActiveGranularityMs: Int64
    /// A user whose clients were syncing goes `offline` this long after the last sync ended, when none is
    /// open (Synapse's 30 s).
    public var presenceOfflineTimeoutMs: Int64

    public init(typingDefaultTimeoutMs: Int64 = 30_000, typingMaxTimeoutMs: Int64 = 120_000,
                presenceIdleTimeoutMs: Int64 = 300_000, presenceActiveGranularityMs: Int64 = 60_000,
                presenceOfflineTimeoutMs: Int64 = 30_000) {
        self.presenceOfflineTimeoutMs = presenceOfflineTimeoutMs
        self.typingDefaultTimeoutMs = typingDefaultTimeoutMs
        self.typingMaxTimeoutMs = typingMaxTimeoutMs
        self.presenceIdleTimeoutMs = presenceIdleTimeoutMs
        self.presenceActiveGranularityMs = presenceActiveGranularityMs
    }
}
