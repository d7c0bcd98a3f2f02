import MatrixCore
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
        Hex.encode(SHA256.hash(bytes))
    }

    /// 64 lower-case hex digits: the only names the store turns into paths.
    static func isValidHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
