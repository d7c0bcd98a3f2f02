/// One backup version of a user, with the state of its keys.
public struct KeyBackupVersionRecord: Sendable, Equatable {
    public let version: Int64
    public let algorithm: String
    /// Canonical JSON of the `auth_data` object.
    public let authData: [UInt8]
    public let etag: Int64
    public let count: Int64
}

/// One backed-up megolm session key. `sessionData` is the canonical JSON of the `session_data` object.
public struct BackedUpRoomKey: Sendable, Equatable {
    public let roomId: String
    public let sessionId: String
    public let firstMessageIndex: Int64
    public let forwardedCount: Int64
    public let isVerified: Bool
    public let sessionData: [UInt8]

    public init(roomId: String, sessionId: String, firstMessageIndex: Int64, forwardedCount: Int64,
                isVerified: Bool, sessionData: [UInt8]) {
        self.roomId = roomId
        self.sessionId = sessionId
        self.firstMessageIndex = firstMessageIndex
        self.forwardedCount = forwardedCount
        self.isVerified = isVerified
        self.sessionData = sessionData
    }
}

/// A version's keys after a change: the etag and how many keys it holds.
public struct KeyBackupCounts: Sendable, Equatable {
    public let etag: Int64
    public let count: Int64
}

/// What became of a key upload: stored (some keys may have lost to better ones already there), or refused
/// because the version is not the user's current one (`current` is nil when the user has no backup).
public enum KeyBackupUploadOutcome: Sendable, Equatable {
    case stored(KeyBackupCounts)
    case notCurrent(current: Int64?)
}

/// What became of deleting a version.
public enum KeyBackupDeleteOutcome: Sendable, Equatable {
    case deleted
    case alreadyDeleted
    case notFound
}
