/// Why an SRV lookup gave no answer (as opposed to answering "no such records", which is an empty list).
public enum SRVLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The resolver could not be set up (no usable /etc/resolv.conf, ...).
    case resolverUnavailable(String)
    /// The lookup failed: no answer from the name servers, a server failure, a refused query.
    case failed(name: String, reason: String)
    /// The answer could not be parsed.
    case malformedAnswer(name: String, reason: String)
    /// No answer within the lookup's time limit.
    case timedOut(name: String)

    public var description: String {
        switch self {
        case .resolverUnavailable(let reason): "the DNS resolver is unavailable: \(reason)"
        case .failed(let name, let reason): "SRV lookup of \(name) failed: \(reason)"
        case .malformedAnswer(let name, let reason): "malformed SRV answer for \(name): \(reason)"
        case .timedOut(let name): "SRV lookup of \(name) timed out"
        }
    }
}
