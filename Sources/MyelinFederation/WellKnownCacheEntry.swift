import MatrixCore

/// What is known about one host's `.well-known/matrix/server`, and until when.
struct WellKnownCacheEntry: Sendable {
    /// The delegated server name; nil when the host has no valid `.well-known`.
    let delegatedServer: ServerName?
    /// From then on the document is fetched again; a valid answer still serves until `expiresAtMs`
    /// if that fetch finds the host down.
    var refreshAtMs: Int64
    let expiresAtMs: Int64
    /// Until when the host counts as having had a valid answer lately (its failures are kept briefly).
    let hadValidUntilMs: Int64?
}
