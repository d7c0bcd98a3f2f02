/// A public key that checks signatures: a signing key identifier (`ed25519:<version>`) and the 32-byte
/// ed25519 public key, as servers publish them in `verify_keys` (unpadded base64).
public struct VerifyKey: Sendable, Hashable {
    public let keyId: String
    public let publicKey: [UInt8]

    public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(keyId: String, publicKey: [UInt8]) throws(FormatError) {
        // Only ed25519 is understood; the appendix says to drop key IDs of other algorithms.
        guard keyId.hasPrefix("ed25519:") else {
            throw FormatError(description: "key ID \"\(keyId)\" is not an ed25519 key (ed25519:<version>)")
        }
        // The key-response schema asks for versions of [a-zA-Z0-9_], but servers publish others (Synapse
        // accepts any, e.g. "key-1"); refusing one would refuse all of that server's events, so any
        // printable ASCII is taken. The version is only ever a lookup key.
        let version = keyId.utf8.dropFirst("ed25519:".utf8.count)
        guard !version.isEmpty, version.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw FormatError(description: "key ID \"\(keyId)\": the version must be one or more printable ASCII characters")
        }
        guard publicKey.count == Ed25519.publicKeyLength else {
            throw FormatError(
                description: "key \(keyId): an ed25519 public key is \(Ed25519.publicKeyLength) bytes, not \(publicKey.count)")
        }
        self.keyId = keyId
        self.publicKey = publicKey
    }

    /// Parses the unpadded base64 form found in key responses.
    public init(keyId: String, base64: String) throws(FormatError) {
        guard let bytes = Base64.decode(base64) else {
            throw FormatError(description: "key \(keyId): \"\(base64)\" is not valid base64")
        }
        try self.init(keyId: keyId, publicKey: bytes)
    }

    /// The public half of one of our own signing keys.
    public init(_ signingKey: SigningKey) {
        keyId = signingKey.keyId
        publicKey = signingKey.publicKey
    }

    public var publicKeyBase64: String { Base64.encode(publicKey) }
}
