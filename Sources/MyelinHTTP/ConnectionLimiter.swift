/// Counts open connections per client address and, from all addresses together, the connections on which
/// no request has authenticated yet: a stranger can hold only so many sockets, and so much of the memory
/// each costs, however many addresses it has.
public actor ConnectionLimiter {
    private let maxPerAddress: Int
    private let maxUnauthenticated: Int
    private let exemptAddresses: Set<String>

    private struct Open {
        let generation: UInt64
        let address: String?
        var authenticated: Bool
    }

    /// Keyed by the channel's identity; `generation` tells a reused identity from the connection that had it.
    private var open: [ObjectIdentifier: Open] = [:]
    private var perAddress: [String: Int] = [:]
    private var unauthenticated = 0
    private var nextGeneration: UInt64 = 0

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
        if !exempt, maxPerAddress > 0, let address, perAddress[address, default: 0] >= maxPerAddress {
            return .tooManyFromAddress
        }
        if !exempt, maxUnauthenticated > 0, unauthenticated >= maxUnauthenticated { return .tooManyUnauthenticated }
        if let stale = open.removeValue(forKey: id) { forget(stale) }
        nextGeneration += 1
        open[id] = Open(generation: nextGeneration, address: address, authenticated: false)
        if let address { perAddress[address, default: 0] += 1 }
        unauthenticated += 1
        return .admitted(generation: nextGeneration)
    }

    /// A request on the connection authenticated: it no longer counts against the unauthenticated cap.
    public func markAuthenticated(_ id: ObjectIdentifier) {
        guard var entry = open[id], !entry.authenticated else { return }
        entry.authenticated = true
        open[id] = entry
        unauthenticated -= 1
    }

    public func release(_ id: ObjectIdentifier, generation: UInt64) {
        guard let entry = open[id], entry.generation == generation else { return }
        open[id] = nil
        forget(entry)
    }

    private func forget(_ entry: Open) {
        if let address = entry.address {
            let count = perAddress[address, default: 1] - 1
            perAddress[address] = count > 0 ? count : nil
        }
        if !entry.authenticated { unauthenticated -= 1 }
    }

    /// Open connections and how many of them have not authenticated (for tests and benchmarks).
    public var counts: (open: Int, unauthenticated: Int) { (open.count, unauthenticated) }
}
