import MatrixCore

/// Our own keys as other servers see them: the signed document of `GET /_matrix/key/v2/server`, our
/// signature on what the notary serves, and answers about our keys without asking anyone.
public struct LocalServerKeys: Sendable {
    /// A retired key of ours, checked.
    public struct OldKey: Sendable, Equatable {
        public let key: VerifyKey
        public let expiredTs: Int64
    }

    public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let serverName: ServerName
    public let signingKey: SigningKey
    public let oldKeys: [OldKey]
    /// How far ahead our document's `valid_until_ts` lies.
    public let validityMs: Int64
    let nowMs: @Sendable () -> Int64

    /// Checks `settings.oldVerifyKeys` (key IDs and base64); an old key with our current key's ID is
    /// left out, as that key is not retired.
    public init(serverName: ServerName, signingKey: SigningKey, settings: FederationSettings,
                nowMs: @escaping @Sendable () -> Int64) throws(ConfigurationError) {
        var oldKeys: [OldKey] = []
        for old in settings.oldVerifyKeys where old.keyId != signingKey.keyId {
            do {
                oldKeys.append(OldKey(key: try VerifyKey(keyId: old.keyId, base64: old.publicKeyBase64),
                                      expiredTs: old.expiredTs))
            } catch {
                throw ConfigurationError(description: "old verify key \(old.keyId): \(error.description)")
            }
        }
        guard settings.keyValidityMs > 0 else {
            throw ConfigurationError(description: "the key validity must be positive, not \(settings.keyValidityMs) ms")
        }
        self.serverName = serverName
        self.signingKey = signingKey
        self.oldKeys = oldKeys
        self.validityMs = settings.keyValidityMs
        self.nowMs = nowMs
    }

    /// The signed `GET /_matrix/key/v2/server` answer, valid for `validityMs` from now.
    public func document() throws -> JSONObject {
        var oldKeysJSON = JSONObject()
        for old in oldKeys {
            oldKeysJSON[old.key.keyId] = ["key": .string(old.key.publicKeyBase64), "expired_ts": .int(old.expiredTs)]
        }
        let unsigned: JSONObject = [
            "server_name": .string(serverName.description),
            "valid_until_ts": .int(nowMs() + validityMs),
            "verify_keys": .object([signingKey.keyId: ["key": .string(signingKey.publicKeyBase64)]]),
            "old_verify_keys": .object(oldKeysJSON),
        ]
        return try sign(unsigned)
    }

    /// `object` with our signature added (the notary's co-signature).
    public func sign(_ object: JSONObject) throws -> JSONObject {
        try JSONSigning.sign(object, as: serverName, with: signingKey)
    }

    /// Our key `keyId` if it may sign something stamped `validAtMs`: the current key always, an old
    /// key only before it expired.
    public func verifyKey(keyId: String, validAtMs: Int64) -> VerifyKey? {
        if keyId == signingKey.keyId { return VerifyKey(signingKey) }
        guard let old = oldKeys.first(where: { $0.key.keyId == keyId }), validAtMs < old.expiredTs else { return nil }
        return old.key
    }
}
