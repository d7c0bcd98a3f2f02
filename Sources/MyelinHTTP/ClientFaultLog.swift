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
    /// Per address: request lines about refused requests (4xx) still allowed, and those left out since.
    private var requestLines: [String: RequestLineBucket] = [:]

    private struct RequestLineBucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
        var leftOut: Int
    }

    /// Request-log lines about one address's refused requests: a burst of 20, then one a second.
    static let requestLineBurst = 20.0
    static let requestLinesPerSecond = 1.0

    public init(logger: Logger, interval: Duration = .seconds(60)) {
        self.logger = logger
        self.interval = interval
    }

    /// Whether the request-log line of a refused request (4xx) from `address` is written, and how many of
    /// that address's lines were left out before it (to say so on the line). Successful requests are
    /// always logged; a client sending bad requests in a loop is logged at a bounded rate.
    public func admitRequestLine(address: String?) -> (admitted: Bool, leftOut: Int) {
        let key = address ?? "?"
        let now = ContinuousClock.now
        var bucket = requestLines[key] ?? RequestLineBucket(tokens: Self.requestLineBurst, updated: now, leftOut: 0)
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(Self.requestLineBurst, bucket.tokens + seconds * Self.requestLinesPerSecond)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            bucket.leftOut += 1
            requestLines[key] = bucket
            return (false, 0)
        }
        bucket.tokens -= 1
        let leftOut = bucket.leftOut
        bucket.leftOut = 0
        // Bounded however many addresses knock: forget them all rather than grow.
        if requestLines.count >= 10_000, requestLines[key] == nil { requestLines.removeAll() }
        requestLines[key] = bucket
        return (true, leftOut)
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
