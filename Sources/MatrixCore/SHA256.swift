import CSodium

/// SHA-256 through libsodium: content and reference hashes of events, token and media hashes.
public enum SHA256 {
    public static let digestLength = Int(crypto_hash_sha256_BYTES)

    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Over memory the caller owns (a large upload in a ByteBuffer), without copying it first.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        _ = sodium_init()
        var digest = [UInt8](repeating: 0, count: digestLength)
        _ = crypto_hash_sha256(&digest, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        return digest
    }
}

/// Lower-case hexadecimal, as file names and HMACs are written.
public enum Hex {
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256 {
    /// A hash over bytes that arrive in pieces (an upload written to disk as it comes).
    public struct Hasher {
        private var state = crypto_hash_sha256_state()

        public init() {
            _ = sodium_init()
            _ = crypto_hash_sha256_init(&state)
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            _ = crypto_hash_sha256_update(&state, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                          UInt64(bytes.count))
        }

        public mutating func finalize() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: SHA256.digestLength)
            _ = crypto_hash_sha256_final(&state, &digest)
            return digest
        }
    }
}
