/// What one client may make the server hold while its request arrives (the `[http]` limits): body
/// sizes before authentication, the memory of bodies in flight, how long a request may take to
/// arrive, and how many connections one address or unauthenticated clients may hold.
public struct RequestLimits: Sendable {
    /// Largest body a request without an access token may send (login, registration): such requests
    /// are small, and anyone can send them.
    public var unauthenticatedMaxBodyBytes: Int
    /// The memory all request bodies being read at once may take (`RequestBodyBudget`).
    public var bodyBudgetBytes: Int
    /// A request's head must have arrived this long after the connection was ready for it (opened, or
    /// the previous response sent), whatever the idle timeout: a head sent a byte at a time is cut off.
    public var headTimeoutSeconds: Int
    /// A body must keep arriving at this rate, measured over each window of `bodyRateWindowSeconds`.
    public var bodyMinBytesPerSecond: Int
    public var bodyRateWindowSeconds: Int
    /// Open connections one client address may hold; 0 for no limit (behind a reverse proxy every
    /// connection comes from the proxy).
    public var maxConnectionsPerAddress: Int
    /// Open connections on which no request has yet authenticated (a user's token or a server's
    /// signature), from all addresses together; 0 for no limit.
    public var maxUnauthenticatedConnections: Int

    public init(unauthenticatedMaxBodyBytes: Int = 64 * 1024, bodyBudgetBytes: Int = 16 << 20,
                headTimeoutSeconds: Int = 30, bodyMinBytesPerSecond: Int = 1024, bodyRateWindowSeconds: Int = 10,
                maxConnectionsPerAddress: Int = 64, maxUnauthenticatedConnections: Int = 256) {
        self.unauthenticatedMaxBodyBytes = unauthenticatedMaxBodyBytes
        self.bodyBudgetBytes = bodyBudgetBytes
        self.headTimeoutSeconds = headTimeoutSeconds
        self.bodyMinBytesPerSecond = bodyMinBytesPerSecond
        self.bodyRateWindowSeconds = bodyRateWindowSeconds
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxUnauthenticatedConnections = maxUnauthenticatedConnections
    }
}
