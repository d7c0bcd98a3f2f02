import Logging

/// Log lines about what clients did wrong (deadlines missed, connections refused, bodies cut short) at
/// info level, at most one line per kind each `interval`, with how many were left out: a client must not
/// decide how much the server writes to its log.
public actor ClientFaultLog {
    public enum Kind: String, Sendable {
        case headTooSlow = "request head too slow"
        case bodyTooSlow = "request body too slow"
        case refusedPerAddress = "connection refused: too many from one address"
        case refusedUnauthenticated = "connection refused: too many unauthenticated connections"
    }

    private let logger: Logger
    private let interval: Duration
    private var lastLogged: [Kind: ContinuousClock.Instant] = [:]
    private var suppressed: [Kind: Int] = [:]

    public init(logger: Logger, interval: Duration = .seconds(60)) {
        self.logger = logger
        self.interval = interval
    }

    public func note(_ kind: Kind, address: String?) {
        let now = ContinuousClock.now
        if let last = lastLogged[kind], now - last < interval {
            suppressed[kind, default: 0] += 1
            return
        }
        lastLogged[kind] = now
        let left = suppressed.removeValue(forKey: kind) ?? 0
        logger.info("\(kind.rawValue)", metadata: [
            "address": "\(address ?? "?")", "similar_lines_left_out": "\(left)",
        ])
    }
}
