/// Why an event's `hashes.sha256` does not vouch for its content.
public enum ContentHashError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing
    case malformed(String)
    case wrongLength(Int)
    case mismatch(expected: String, found: String)
    case notCanonical(String)

    public var description: String {
        switch self {
        case .missing: return "the event has no hashes.sha256"
        case .malformed(let detail): return "malformed content hash: \(detail)"
        case .wrongLength(let count): return "hashes.sha256 is \(count) bytes, not \(SHA256.digestLength)"
        case .mismatch(let expected, let found): return "content hash mismatch: computed \(expected), event says \(found)"
        case .notCanonical(let detail): return "the event is not canonical JSON: \(detail)"
        }
    }
}
