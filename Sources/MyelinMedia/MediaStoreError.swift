#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the content files on disk, with the path and the system's reason.
public struct MediaStoreError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let errno: Int32

    public var description: String {
        "media store: cannot \(operation) \(path): \(String(cString: strerror(errno)))"
    }
}
