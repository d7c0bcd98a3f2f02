import MatrixCore

/// A sliding sync `pos`: the connection's position (which of its recorded states the client has) and
/// the stream positions the answer was complete up to, written `<connection>/<sync token>`.
public struct SlidingSyncPosition: Sendable, Hashable, CustomStringConvertible {
    /// 0: no per-connection state (a request without lists or subscriptions).
    public var connection: Int64
    public var streams: SyncToken

    public init(connection: Int64, streams: SyncToken) {
        self.connection = connection
        self.streams = streams
    }

    public var description: String { "\(connection)/\(streams)" }

    /// 400 `M_UNKNOWN_POS` for anything this server did not write: the answer clients recover from by
    /// starting again (a position from an older format included).
    public init(parsing text: String) throws(MatrixError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let connection = Int64(parts[0]), connection >= 0,
            let streams = try? SyncToken(parsing: String(parts[1]))
        else { throw MatrixError.unknownPos("Unknown or malformed pos \(text)") }
        self.connection = connection
        self.streams = streams
    }
}
