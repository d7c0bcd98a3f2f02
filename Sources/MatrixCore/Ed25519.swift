import CSodium

/// Raw ed25519 through libsodium: detached signatures over bytes. JSON signing builds on this.
public enum Ed25519 {
    public static let publicKeyLength = Int(crypto_sign_PUBLICKEYBYTES)
    public static let signatureLength = Int(crypto_sign_BYTES)

    /// Signs `message` with the key derived from `seed` (32 bytes).
    public static func sign(_ message: [UInt8], seed: [UInt8]) -> [UInt8] {
        precondition(seed.count == Int(crypto_sign_SEEDBYTES), "an ed25519 seed is 32 bytes")
        _ = sodium_init()
        var publicKey = [UInt8](repeating: 0, count: publicKeyLength)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        _ = crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
        defer { sodium_memzero(&secretKey, secretKey.count) }
        var signature = [UInt8](repeating: 0, count: signatureLength)
        _ = message.withUnsafeBufferPointer { buffer in
            crypto_sign_detached(&signature, nil, buffer.baseAddress, UInt64(buffer.count), secretKey)
        }
        return signature
    }

    /// True when `signature` is a valid signature of `message` by `publicKey`. Malformed lengths are false.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureLength, publicKey.count == publicKeyLength else { return false }
        _ = sodium_init()
        return message.withUnsafeBufferPointer { buffer in
            crypto_sign_verify_detached(signature, buffer.baseAddress, UInt64(buffer.count), publicKey) == 0
        }
    }
}
