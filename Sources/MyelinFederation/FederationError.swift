/// Why a request to another server failed.
public enum FederationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Federation is turned off (`[federation] enabled = false`), or the destination is ourselves.
    case disabled(String)
    /// The server name could not be resolved to somewhere to connect.
    case unresolvable(String, String)
    /// Connecting, TLS, timeouts, size limits: the request did not get an answer.
    case unreachable(String, String)
    /// The answer was not what the API promises (not JSON, wrong shape, bad signatures).
    case badResponse(String, String)
    /// A non-2xx answer.
    case remoteRefused(String, status: Int, errcode: String, message: String)
    /// Backing off after earlier failures: not tried.
    case backingOff(String, untilMs: Int64)

    public var description: String {
        switch self {
        case .disabled(let why): return "federation disabled: \(why)"
        case .unresolvable(let server, let why): return "cannot resolve \(server): \(why)"
        case .unreachable(let server, let why): return "\(server) unreachable: \(why)"
        case .badResponse(let server, let why): return "bad response from \(server): \(why)"
        case .remoteRefused(let server, let status, let errcode, let message):
            return "\(server) answered \(status) \(errcode): \(message)"
        case .backingOff(let server, let until): return "backing off \(server) until \(until)"
        }
    }
}
