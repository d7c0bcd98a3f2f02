import MatrixCore

/// Asks other servers for their users' keys. Federation supplies an implementation; without one, remote
/// users are reported under `failures`.
public protocol RemoteKeyQuerier: Sendable {
    /// `/keys/query` for `server`: user ID to device IDs (empty: all devices). Returns the remote answer's
    /// `device_keys`, `master_keys` and `self_signing_keys` objects as they came.
    func queryKeys(server: String, deviceKeys: [String: [String]]) async throws -> JSONObject

    /// `/keys/claim` for `server`: user ID to device ID to algorithm. Returns the `one_time_keys` object.
    func claimKeys(server: String, oneTimeKeys: [String: [String: String]]) async throws -> JSONObject
}
