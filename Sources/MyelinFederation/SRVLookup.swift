/// Looks up SRV records. `ResolvSRVLookup` asks the system resolver; tests stand in.
public protocol SRVLookup: Sendable {
    /// The SRV records of `name` (for example `_matrix-fed._tcp.example.org`). A name that does not
    /// exist or has no SRV records gives an empty list; anything else that stops the lookup
    /// (timeout, server failure, no network) throws `SRVLookupError`.
    func lookup(_ name: String) async throws -> [SRVRecord]
}
