/// One SRV answer (RFC 2782): where a service lives, and how to choose among several.
public struct SRVRecord: Sendable, Hashable, CustomStringConvertible {
    /// Lower is preferred; records of the lowest priority are tried first.
    public let priority: Int
    /// Among equal priorities, the relative share of picks.
    public let weight: Int
    public let port: Int
    /// The host to look up with A/AAAA, without a trailing dot; "." means "no such service here".
    public let target: String
    /// How long the answer may be cached, in seconds.
    public let ttlSeconds: Int

    public init(priority: Int, weight: Int, port: Int, target: String, ttlSeconds: Int) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
        self.ttlSeconds = ttlSeconds
    }

    /// RFC 2782: a lone "." target says the service is decidedly not available at this domain.
    public var isNoService: Bool { target == "." || target.isEmpty }

    public var description: String { "\(priority) \(weight) \(port) \(target) (ttl \(ttlSeconds)s)" }
}
