import MatrixCore

/// Room behaviour an admin configures (`[rooms]`).
public struct RoomSettings: Sendable {
    /// The version of new rooms when the client names none.
    public var defaultRoomVersion: RoomVersion
    /// How long redacted content stays in the database before the pruning job erases it.
    public var redactionRetentionMs: Int64

    public init(defaultRoomVersion: RoomVersion = .default, redactionRetentionMs: Int64 = 7 * 24 * 3_600_000) {
        self.defaultRoomVersion = defaultRoomVersion
        self.redactionRetentionMs = redactionRetentionMs
    }
}
