import NIOConcurrencyHelpers

/// Counts open connections per client address and, from all addresses together, the connections on which
/// no request has authenticated yet: a stranger can hold only so many sockets, and so much of the memory
/// each costs, however many addresses it has.
///
/// A lock rather than an actor: admission runs on the event loop as each connection is accepted, and a
/// hop to the cooperative pool there would make accepting connections wait on however busy that pool is.
/// Every critical section is a few dictionary operations.
public final class ConnectionLimiter: Sendable {
    private let maxPerAddress: Int
    private let maxUnauthenticated: Int
    private let exemptAddresses: Set<String>
    private let state = NIOLockedValueBox(State())

    private struct Open {
        let generation: UInt64
        let address: String?
        var authenticated: Bool
    }

    private struct State {
        /// Keyed by the channel's identity; `generation` tells a reused identity from the connection that had it.
        var open: [ObjectIdentifier: Open] = [:]
        var perAddress: [String: Int] = [:]
        var unauthenticated = 0
        var nextGeneration: UInt64 = 0

        mutating func forget(_ entry: Open) {
            if let address = entry.address {
                let count = perAddress[address, default: 1] - 1
                perAddress[address] = count > 0 ? count : nil
            }
            if !entry.authenticated { unauthenticated -= 1 }
        }
    }

    /// A limit of 0 is no limit.
    public init(maxPerAddress: Int, maxUnauthenticated: Int, exemptAddresses: Set<String> = []) {
        self.maxPerAddress = maxPerAddress
        self.maxUnauthenticated = maxUnauthenticated
        self.exemptAddresses = exemptAddresses
    }

    public enum Admission: Sendable, Equatable {
        case admitted(generation: UInt64)
        case tooManyFromAddress
        case tooManyUnauthenticated
    }

    /// Whether a new connection from `address` may be served; if so it counts until `release`.
    public func admit(_ id: ObjectIdentifier, address: String?) -> Admission {
        let exempt = address.map(exemptAddresses.contains) ?? false
        return state.withLockedValue { state in
            if !exempt, maxPerAddress > 0, let address, state.perAddress[address, default: 0] >= maxPerAddress {
                return .tooManyFromAddress
            }
            if !exempt, maxUnauthenticated > 0, state.unauthenticated >= maxUnauthenticated {
                return .tooManyUnauthenticated
            }
            if let stale = state.open.removeValue(forKey: id) { state.forget(stale) }
            state.nextGeneration += 1
            state.open[id] = Open(generation: state.nextGeneration, address: address, authenticated: false)
            if let address { state.perAddress[address, default: 0] += 1 }
            state.unauthenticated += 1
            return .admitted(generation: state.nextGeneration)
        }
    }

    /// A request on the connection authenticated: it no longer counts against the unauthenticated cap.
    public func markAuthenticated(_ id: ObjectIdentifier) {
        state.withLockedValue { state in
            guard var entry = state.open[id], !entry.authenticated else { return }
            entry.authenticated = true
            state.open[id] = entry
            state.unauthenticated -= 1
        }
    }

    public func release(_ id: ObjectIdentifier, generation: UInt64) {
        state.withLockedValue { state in
            guard let entry = state.open[id], entry.generation == generation else { return }
            state.open[id] = nil
            state.forget(entry)
        }
    }

    /// Open connections and how many of them have not authenticated (for tests and benchmarks).
    public var counts: (open: Int, unauthenticated: Int) {
        state.withLockedValue { ($0.open.count, $0.unauthenticated) }
    }
}
