import MatrixCore

/// The per-connection states of every open sliding sync connection, in memory and bounded: at most
/// `maxConnections` in all and `maxPerDevice` per device (the least recently used goes first), each
/// kept for `idleTimeout` after its last request (a logged-out device's states age out the same way:
/// its token no longer reaches them). A client whose state went (or a server restart)
/// gets `M_UNKNOWN_POS` and starts the connection again, which MSC4186 makes every client handle.
public actor SlidingSyncConnections {
    public struct Settings: Sendable {
        public var maxConnections: Int
        public var maxPerDevice: Int
        public var idleTimeout: Duration

        public init(maxConnections: Int = 400, maxPerDevice: Int = 10, idleTimeout: Duration = .seconds(24 * 3600)) {
            self.maxConnections = maxConnections
            self.maxPerDevice = maxPerDevice
            self.idleTimeout = idleTimeout
        }
    }

    struct Key: Hashable {
        let userNid: Int64
        let deviceId: String
        let connId: String
    }

    private struct Connection {
        /// The states a client may still send the position of, oldest first: the last one it
        /// acknowledged and the answers sent since (a retry reuses a position).
        var states: [(position: Int64, state: SlidingConnectionState)]
        var lastUsed: ContinuousClock.Instant
    }

    /// States kept per connection: the acknowledged one and answers the client may not have received.
    static let statesKept = 3

    private let settings: Settings
    private var connections: [Key: Connection] = [:]
    private var nextPosition: Int64 = 1

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// How many connections are held (figures and tests).
    public var count: Int { connections.count }

    /// The state a request starts from. No position: a new connection (replacing one with the same ID);
    /// position 0: one that never asked for rooms. 400 `M_UNKNOWN_POS` for a position not held.
    func begin(_ key: Key, position: Int64?) throws(MatrixError) -> SlidingConnectionState {
        evictIdle()
        guard let position else {
            connections[key] = nil
            return SlidingConnectionState()
        }
        if position == 0 { return SlidingConnectionState() }
        guard var connection = connections[key],
            let index = connection.states.firstIndex(where: { $0.position == position })
        else { throw MatrixError.unknownPos("Unknown position \(position) for this connection; start again") }
        // The client has this position: older states will not be asked for again.
        connection.states.removeFirst(index)
        connection.lastUsed = .now
        connections[key] = connection
        return connection.states[0].state
    }

    /// Records the state after an answer and returns the answer's connection position (the request's
    /// own when nothing changed).
    func commit(_ key: Key, from position: Int64?, state: SlidingConnectionState, previous: SlidingConnectionState)
        -> Int64
    {
        if let position, position != 0, state == previous, connections[key] != nil { return position }
        let assigned = nextPosition
        nextPosition += 1
        var connection = connections[key] ?? Connection(states: [], lastUsed: .now)
        connection.states.append((assigned, state))
        if connection.states.count > Self.statesKept { connection.states.removeFirst(connection.states.count - Self.statesKept) }
        connection.lastUsed = .now
        connections[key] = connection
        enforceLimits(keeping: key)
        return assigned
    }

    private func evictIdle() {
        let cutoff = ContinuousClock.now - settings.idleTimeout
        connections = connections.filter { $0.value.lastUsed >= cutoff }
    }

    private func enforceLimits(keeping key: Key) {
        let sameDevice = connections.filter { $0.key.userNid == key.userNid && $0.key.deviceId == key.deviceId }
        if sameDevice.count > settings.maxPerDevice {
            for victim in sameDevice.filter({ $0.key != key }).sorted(by: { $0.value.lastUsed < $1.value.lastUsed })
                .prefix(sameDevice.count - settings.maxPerDevice)
            {
                connections[victim.key] = nil
            }
        }
        if connections.count > settings.maxConnections {
            for victim in connections.filter({ $0.key != key }).sorted(by: { $0.value.lastUsed < $1.value.lastUsed })
                .prefix(connections.count - settings.maxConnections)
            {
                connections[victim.key] = nil
            }
        }
    }
}
