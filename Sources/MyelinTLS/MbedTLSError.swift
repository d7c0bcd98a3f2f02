import CMbedTLS

/// An mbedTLS failure with its code and mbedTLS's own wording (which never contains key material).
public struct MbedTLSError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    public var message: String {
        var buffer = [CChar](repeating: 0, count: 256)
        mbedtls_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
    }

    public var description: String { "\(operation) failed: \(message) (-0x\(String(-code, radix: 16)))" }
}

/// Runs an mbedTLS call that returns 0 on success.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(MbedTLSError) {
    if code != 0 { throw MbedTLSError(code, operation()) }
}
