import MatrixCore

/// Where the pipeline finds the public keys that signed a remote event. Federation implements it by
/// asking the origin server and notaries; tests and local-only setups use `StaticServerKeys`.
public protocol ServerKeyLookup: Sendable {
    /// The verify key `keyId` of `server`, valid at `validAtMs` (the event's `origin_server_ts`; 0 for
    /// room versions that ignore key validity, any known key then), or nil when it cannot be found.
    func verifyKey(server: String, keyId: String, validAtMs: Int64) async throws -> VerifyKey?
}

/// A fixed set of keys: our own, plus any the caller adds (tests stand in for remote servers this way).
public struct StaticServerKeys: ServerKeyLookup {
    private let keys: [String: [String: VerifyKey]]

    public init(_ keys: [String: [VerifyKey]]) {
        var byServer: [String: [String: VerifyKey]] = [:]
        for (server, list) in keys {
            for key in list { byServer[server, default: [:]][key.keyId] = key }
        }
        self.keys = byServer
    }

    public func verifyKey(server: String, keyId: String, validAtMs: Int64) async throws -> VerifyKey? {
        keys[server]?[keyId]
    }
}
