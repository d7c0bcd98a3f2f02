import CSodium

/// An ed25519 server signing key, stored in Synapse's file format: one line
/// `ed25519 <key_version> <unpadded base64 of the 32-byte seed>`; its key ID is `ed25519:<key_version>`.
public struct SigningKey: Sendable, Equatable {
    public let version: String
    public let seed: [UInt8]
    public let publicKey: [UInt8]

    public var keyId: String { "ed25519:\(version)" }

    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Derives the key pair from a 32-byte seed.
    public init(version: String, seed: [UInt8]) throws(FormatError) {
        guard seed.count == Int(crypto_sign_SEEDBYTES) else {
            throw FormatError(description: "an ed25519 seed is 32 bytes, not \(seed.count)")
        }
        guard Self.isValidVersion(version) else {
            throw FormatError(description: "key version \"\(version)\" must be 1 to 32 of a-z A-Z 0-9 _")
        }
        guard sodium_init() >= 0 else { throw FormatError(description: "libsodium failed to initialise") }
        var publicKey = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        _ = crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
        sodium_memzero(&secretKey, secretKey.count)
        self.version = version
        self.seed = seed
        self.publicKey = publicKey
    }

    /// A new random key. `randomSeed` supplies 32 random bytes (the caller owns randomness: no I/O here).
    public static func generate(version: String, randomSeed: [UInt8]) throws(FormatError) -> SigningKey {
        try SigningKey(version: version, seed: randomSeed)
    }

    /// Parses the first key line of a signing key file.
    public init(fileContents: String) throws(FormatError) {
        guard let line = fileContents.split(whereSeparator: \.isNewline).first(where: { !$0.allSatisfy(\.isWhitespace) })
        else { throw FormatError(description: "the signing key file is empty") }
        let parts = line.split(whereSeparator: \.isWhitespace)
        guard parts.count == 3, parts[0] == "ed25519" else {
            throw FormatError(description: "expected \"ed25519 <version> <base64 seed>\"")
        }
        guard let seed = Base64.decode(String(parts[2])) else {
            throw FormatError(description: "the seed is not valid base64")
        }
        try self.init(version: String(parts[1]), seed: seed)
    }

    /// The file line, with a trailing newline.
    public var fileContents: String { "ed25519 \(version) \(Base64.encode(seed))\n" }

    public var publicKeyBase64: String { Base64.encode(publicKey) }

    static func isValidVersion(_ version: String) -> Bool {
        !version.isEmpty && version.utf8.count <= 32 && version.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                return true
            default: return false
            }
        }
    }
}
