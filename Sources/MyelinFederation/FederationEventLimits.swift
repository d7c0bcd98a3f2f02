/// Bounds on what one request to the federation read endpoints may make this server do or send
/// (DESIGN.md "Memory"): a remote server chooses the numbers in its requests, so each is capped.
public struct FederationEventLimits: Sendable {
    /// Most events one `/backfill` returns (Synapse asks for 100 and serves no more).
    public var maxBackfill = 100
    /// `/get_missing_events`: the limit when the request gives none (the spec's default), and the
    /// most served whatever it asks (Synapse's cap).
    public var defaultMissingEvents = 10
    public var maxMissingEvents = 20
    /// Event IDs read from one request list (backfill's `v`, `latest_events`, `earliest_events`);
    /// the rest are ignored. Servers send their forward extremities there: a handful.
    public var maxRequestEventIds = 200
    /// Events in one `/state` or `/event_auth` answer (state plus auth chain, full events). A larger
    /// answer is refused (413 `M_TOO_LARGE`) rather than cut, as a partial auth chain is useless;
    /// the asking server can use `/state_ids` and fetch the events it lacks.
    public var maxStateEvents = 20_000
    /// Event IDs in one `/state_ids` answer (state plus auth chain).
    public var maxStateIds = 200_000

    public init() {}
}
