import CMbedTLS
import MatrixCore
import CSodium

/// The few primitives accounts need, from libsodium (random, SHA-256) and mbedTLS (HMAC-SHA1, which
/// Synapse's shared-secret registration uses and libsodium lacks).
public enum Crypto {
    /// libsodium must be initialised once before use; `sodium_init` is idempotent and thread-safe.
    private static let sodiumReady: Bool = sodium_init() >= 0

    public static func ensureInitialized() {
        precondition(sodiumReady, "libsodium failed to initialise")
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        ensureInitialized()
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, count) }
        }
        return bytes
    }

    public static func sha256<Bytes: Collection>(_ input: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        SHA256.hash(Array(input))
    }

    public static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        let info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1)
        _ = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                mbedtls_md_hmac(info, k.baseAddress, k.count, m.baseAddress, m.count, &out)
            }
        }
        return out
    }

    /// Compares without leaking where the first difference is.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        ensureInitialized()
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in sodium_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 }
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
}
