import CSodium

/// SHA-256 through libsodium, for content hashes and reference hashes of events.
public enum SHA256 {
    public static let digestLength = Int(crypto_hash_sha256_BYTES)

    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        _ = sodium_init()
        var digest = [UInt8](repeating: 0, count: digestLength)
        _ = bytes.withUnsafeBufferPointer { buffer in
            crypto_hash_sha256(&digest, buffer.baseAddress, UInt64(buffer.count))
        }
        return digest
    }
}
