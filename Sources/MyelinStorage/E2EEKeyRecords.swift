/// A one-time or fallback key as stored: `keyId` is the full `algorithm:key_id`.
public struct StoredOneTimeKey: Sendable, Equatable {
    public let algorithm: String
    public let keyId: String
    public let json: [UInt8]

    public init(algorithm: String, keyId: String, json: [UInt8]) {
        self.algorithm = algorithm
        self.keyId = keyId
        self.json = json
    }
}

/// A device's identity keys: the JSON as stored and the bytes its self-signature covers.
public struct StoredDeviceKey: Sendable, Equatable {
    public let json: [UInt8]
    public let identity: [UInt8]

    public init(json: [UInt8], identity: [UInt8]) {
        self.json = json
        self.identity = identity
    }
}

/// A device's keys with its display name, as `/keys/query` reports them.
public struct DeviceKeyRow: Sendable, Equatable {
    public let deviceId: String
    public let json: [UInt8]
    public let displayName: String?
}

/// One claimed key: from the one-time pool, or the fallback key (then not consumed, only marked used).
public struct ClaimedKey: Sendable, Equatable {
    public let userNid: Int64
    public let deviceId: String
    public let keyId: String
    public let json: [UInt8]
}

/// A cross-signing key as stored: `usage` is master, self_signing or user_signing.
public struct StoredCrossSigningKey: Sendable, Equatable {
    public let usage: String
    public let publicKey: String
    public let json: [UInt8]

    public init(usage: String, publicKey: String, json: [UInt8]) {
        self.usage = usage
        self.publicKey = publicKey
        self.json = json
    }
}

/// A signature uploaded separately from the key it signs.
public struct StoredSignature: Sendable, Equatable {
    public let targetUserNid: Int64
    /// A device ID or a cross-signing public key.
    public let targetKeyId: String
    /// Set when the target is a device, so the signature goes with it.
    public let targetDeviceId: String?
    public let signerUserId: String
    public let signerKeyId: String
    public let signature: String

    public init(targetUserNid: Int64, targetKeyId: String, targetDeviceId: String?, signerUserId: String,
                signerKeyId: String, signature: String) {
        self.targetUserNid = targetUserNid
        self.targetKeyId = targetKeyId
        self.targetDeviceId = targetDeviceId
        self.signerUserId = signerUserId
        self.signerKeyId = signerKeyId
        self.signature = signature
    }
}

/// What an upload of device, one-time and fallback keys came to.
public enum KeyUploadOutcome: Sendable, Equatable {
    /// Stored; the unclaimed one-time keys per algorithm now.
    case stored(oneTimeKeyCounts: [String: Int])
    /// The device already has different identity keys.
    case deviceKeyConflict
    /// A one-time key ID already holds a different key.
    case oneTimeKeyConflict(keyId: String)
}
