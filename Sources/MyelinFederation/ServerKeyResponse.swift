import MatrixCore
import MyelinStorage

/// A key response another server published (`GET /_matrix/key/v2/server`, or one entry of a notary's
/// answer), checked: well-formed, for the server we asked about, and signed by that server's own keys.
struct ServerKeyResponse: Sendable {
    struct OldKey: Sendable {
        let key: VerifyKey
        let expiredTs: Int64
    }

    let serverName: String
    let validUntilTs: Int64
    let verifyKeys: [VerifyKey]
    let oldVerifyKeys: [OldKey]
    /// The response as received, signatures included.
    let json: JSONObject

    /// The spec caps how long a published key may be trusted: the lesser of `valid_until_ts` and 7 days
    /// after we learnt it, so a stolen key cannot be published as valid for years.
    static let maxTrustMs: Int64 = 7 * 86_400_000
    /// More keys than any real server publishes; a response with more is refused whole.
    static let maxKeys = 100

    /// Checks `json`; `source` is who sent it (for error messages). Throws `FederationError.badResponse`.
    init(checking json: JSONObject, expectedServer: String, source: String) throws(FederationError) {
        func bad(_ why: String) -> FederationError {
            .badResponse(source, "key response for \(expectedServer): \(why)")
        }
        guard case .string(let serverName)? = json["server_name"] else { throw bad("server_name is missing") }
        guard serverName == expectedServer else { throw bad("it is for \(serverName)") }
        guard case .int(let validUntil)? = json["valid_until_ts"] else {
            throw bad("valid_until_ts is missing or not an integer")
        }
        guard case .object(let verifyJSON)? = json["verify_keys"] else { throw bad("verify_keys is not an object") }
        var oldJSON = JSONObject()
        switch json["old_verify_keys"] {
        case nil, .null?: break
        case .object(let object)?: oldJSON = object
        case let other?: throw bad("old_verify_keys is a \(other.typeName), not an object")
        }
        guard verifyJSON.count + oldJSON.count <= Self.maxKeys else {
            throw bad("\(verifyJSON.count + oldJSON.count) keys is more than \(Self.maxKeys)")
        }
        // Key IDs of other algorithms are skipped, as the appendix says; a malformed ed25519 entry
        // spoils the whole response (as in Synapse).
        var verifyKeys: [VerifyKey] = []
        for keyId in verifyJSON.sortedKeys where keyId.hasPrefix("ed25519:") {
            guard case .string(let base64)? = verifyJSON[keyId]?["key"] else {
                throw bad("verify key \(keyId) lacks its key")
            }
            do { verifyKeys.append(try VerifyKey(keyId: keyId, base64: base64)) } catch { throw bad(error.description) }
        }
        guard !verifyKeys.isEmpty else { throw bad("it lists no ed25519 verify key") }
        var oldKeys: [OldKey] = []
        let currentIds = Set(verifyKeys.map(\.keyId))
        for keyId in oldJSON.sortedKeys where keyId.hasPrefix("ed25519:") && !currentIds.contains(keyId) {
            guard case .string(let base64)? = oldJSON[keyId]?["key"],
                case .int(let expired)? = oldJSON[keyId]?["expired_ts"]
            else { throw bad("old verify key \(keyId) lacks its key or expired_ts") }
            do {
                oldKeys.append(OldKey(key: try VerifyKey(keyId: keyId, base64: base64), expiredTs: expired))
            } catch { throw bad(error.description) }
        }
        // The schema says the signatures are made with the verify keys. Synapse accepts a response once
        // one listed key's signature checks (it neither requires every listed key to have signed nor looks
        // past the first good one); we do the same, except that every signature by a listed key must be
        // valid. Signatures by unlisted key IDs (a notary signing its own answer with another key) are not
        // ours to judge here.
        var verified = 0
        for keyId in JSONSigning.signingKeyIds(in: json, by: serverName) {
            guard let key = verifyKeys.first(where: { $0.keyId == keyId }) else { continue }
            do { try JSONSigning.verify(json, signedBy: serverName, with: key) } catch {
                throw bad(error.description)
            }
            verified += 1
        }
        guard verified > 0 else { throw bad("it is not signed by any of the verify keys it lists") }
        self.serverName = serverName
        self.validUntilTs = validUntil
        self.verifyKeys = verifyKeys
        self.oldVerifyKeys = oldKeys
        self.json = json
    }

    /// The rows to store, learnt at `fetchedTs` from `source`.
    func records(fetchedTs: Int64, source: String) -> (response: StoredKeyResponse, keys: [StoredServerKey]) {
        let trustedUntil = min(validUntilTs, fetchedTs + Self.maxTrustMs)
        var keys = verifyKeys.map { key in
            StoredServerKey(serverName: serverName, keyId: key.keyId, publicKey: key.publicKey,
                            validity: .current(validUntilTs: trustedUntil), fetchedTs: fetchedTs)
        }
        keys += oldVerifyKeys.map { old in
            StoredServerKey(serverName: serverName, keyId: old.key.keyId, publicKey: old.key.publicKey,
                            validity: .old(expiredTs: old.expiredTs), fetchedTs: fetchedTs)
        }
        // Verified under strict canonical JSON, so the lenient encoder writes exactly those bytes.
        let response = StoredKeyResponse(serverName: serverName, source: source, fetchedTs: fetchedTs,
                                         validUntilTs: validUntilTs, json: CanonicalJSON.encodeLenient(.object(json)))
        return (response, keys)
    }
}
