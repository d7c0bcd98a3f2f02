/// A place in a room's topological order: depth, then stream position (DESIGN.md "Storage").
/// As a pagination boundary it names the gap just after the accepted event at that place, so
/// paginating backwards from it includes that event and paginating forwards excludes it.
public struct TimelinePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let depth: Int64
    public let stream: Int64

    public init(depth: Int64, stream: Int64) {
        self.depth = depth
        self.stream = stream
    }

    /// Before every event (depths and stream positions start at 1).
    public static let start = TimelinePosition(depth: 0, stream: 0)

    /// The gap just before `event` (its stream position less one: positions are integers).
    public static func before(_ event: StoredEvent) -> TimelinePosition? {
        event.streamPos.map { TimelinePosition(depth: event.depth, stream: $0 - 1) }
    }

    /// The gap just after `event`.
    public static func after(_ event: StoredEvent) -> TimelinePosition? {
        event.streamPos.map { TimelinePosition(depth: event.depth, stream: $0) }
    }

    public static func < (lhs: TimelinePosition, rhs: TimelinePosition) -> Bool {
        (lhs.depth, lhs.stream) < (rhs.depth, rhs.stream)
    }

    public var description: String { "(\(depth), \(stream))" }
}

/// Which way a page of events runs: backwards is newest first.
public enum TimelineDirection: String, Sendable {
    case backward = "b"
    case forward = "f"
}
