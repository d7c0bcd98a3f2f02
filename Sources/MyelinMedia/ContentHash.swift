import CSodium
import NIOCore

/// The lower-case hex SHA-256 that names a content file.
enum ContentHash {
    static func hex(of buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { hex(of: $0) }
    }

    static func hex(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex(of: $0) }
    }

    static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        _ = sodium_init()
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = crypto_hash_sha256(&digest, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for byte in digest { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// 64 lower-case hex digits: the only names the store turns into paths.
    static func isValidHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
