/// A room's typing users changed (someone started, stopped or timed out) at `position` of the typing stream.
public struct TypingChange: Sendable, Equatable {
    public let roomId: String
    public let position: Int64

    public init(roomId: String, position: Int64) {
        self.roomId = roomId
        self.position = position
    }
}

/// A receipt was stored at `position` of the receipt stream. A private one concerns only its owner.
public struct ReceiptChange: Sendable, Equatable {
    public let roomId: String
    public let userId: String
    public let isPrivate: Bool
    public let position: Int64

    public init(roomId: String, userId: String, isPrivate: Bool, position: Int64) {
        self.roomId = roomId
        self.userId = userId
        self.isPrivate = isPrivate
        self.position = position
    }
}

/// A user's presence changed at `position` of the presence stream; it concerns the users who share a
/// room with them, and themselves.
public struct PresenceChange: Sendable, Equatable {
    public let userId: String
    public let position: Int64

    public init(userId: String, position: Int64) {
        self.userId = userId
        self.position = position
    }
}
