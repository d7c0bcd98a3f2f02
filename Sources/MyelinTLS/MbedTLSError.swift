import CMbedTLS

/// An mbedTLS failure with its code and mbedTLS's own wording (which never contains key material).
public struct MbedTLSError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let operation: String
    /// Why the peer's certificate was refused, in mbedTLS's words, when a handshake failed on that.
    public let verification: String?

    public init(_ code: Int32, _ operation: String, verification: String? = nil) {
        self.code = code
        self.operation = operation
        self.verification = verification
    }

    public var message: String {
        var buffer = [CChar](repeating: 0, count: 256)
        mbedtls_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
    }

    public var description: String {
        let base = "\(operation) failed: \(message) (-0x\(String(-code, radix: 16)))"
        guard let verification else { return base }
        return "\(base): \(verification)"
    }
}

/// Runs an mbedTLS call that returns 0 on success.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(MbedTLSError) {
    if code != 0 { throw MbedTLSError(code, operation()) }
}
