import FoundationEssentials

/// Wall-clock time in milliseconds since the epoch, injectable so tests can move time (token expiry).
public struct WallClock: Sendable {
    public let nowMs: @Sendable () -> Int64

    public init(nowMs: @escaping @Sendable () -> Int64) {
        self.nowMs = nowMs
    }

    public static let system = WallClock { Int64(Date().timeIntervalSince1970 * 1000) }
}
