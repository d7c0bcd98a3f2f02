import MatrixCore

/// Builds real signed key objects for the `/keys` tests: ed25519 keys from fixed seeds, signed the way
/// clients sign (canonical JSON without `signatures` and `unsigned`).
enum KeysFixture {
    static func key(_ n: UInt8) throws -> SigningKey {
        try SigningKey(version: "k\(n)", seed: [UInt8](repeating: n, count: 32))
    }

    /// A curve25519-looking key: the server only checks it is 32 bytes of unpadded base64.
    static func curve(_ n: UInt8) -> String { Base64.encode([UInt8](repeating: n, count: 32)) }

    /// `object` with a signature by `key` under `signatures[userId][keyId]`.
    static func sign(_ object: JSONObject, userId: String, keyId: String, with key: SigningKey) throws -> JSONObject {
        var covered = object
        covered["signatures"] = nil
        covered["unsigned"] = nil
        let signature = Base64.encode(Ed25519.sign(try CanonicalJSON.encode(.object(covered)), seed: key.seed))
        var signed = object
        var signatures = object["signatures"]?.objectValue ?? [:]
        var entry = signatures[userId]?.objectValue ?? [:]
        entry[keyId] = .string(signature)
        signatures[userId] = .object(entry)
        signed["signatures"] = .object(signatures)
        return signed
    }

    static func deviceKeys(userId: String, deviceId: String, key: SigningKey, curveSeed: UInt8 = 9) throws
        -> JSONObject
    {
        let object: JSONObject = [
            "user_id": .string(userId), "device_id": .string(deviceId),
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "keys": [
                "curve25519:\(deviceId)": .string(curve(curveSeed)),
                "ed25519:\(deviceId)": .string(key.publicKeyBase64),
            ],
        ]
        return try sign(object, userId: userId, keyId: "ed25519:\(deviceId)", with: key)
    }

    /// `count` signed_curve25519 keys named `signed_curve25519:<prefix><i>`.
    static func oneTimeKeys(userId: String, deviceId: String, key: SigningKey, prefix: String, count: Int,
                            fallback: Bool = false) throws -> JSONObject {
        var keys: JSONObject = [:]
        for i in 0..<count {
            var object: JSONObject = ["key": .string(curve(UInt8(i + 1)))]
            if fallback { object["fallback"] = true }
            keys["signed_curve25519:\(prefix)\(i)"] = .object(
                try sign(object, userId: userId, keyId: "ed25519:\(deviceId)", with: key))
        }
        return keys
    }

    /// A cross-signing key for `usage`, signed by `signer` (the master key) when given.
    static func crossSigningKey(userId: String, usage: String, key: SigningKey, signer: SigningKey? = nil) throws
        -> JSONObject
    {
        let object: JSONObject = [
            "user_id": .string(userId), "usage": [.string(usage)],
            "keys": ["ed25519:\(key.publicKeyBase64)": .string(key.publicKeyBase64)],
        ]
        guard let signer else { return object }
        return try sign(object, userId: userId, keyId: "ed25519:\(signer.publicKeyBase64)", with: signer)
    }
}
