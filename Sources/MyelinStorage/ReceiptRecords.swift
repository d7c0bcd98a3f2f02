/// One stored receipt: `userId` has read up to `eventId` in `roomId` (`type` m.read or m.read.private),
/// in one thread (`threadId`: a thread root's event ID or "main") or unthreaded (nil).
public struct ReceiptRecord: Sendable, Equatable {
    public let roomId: String
    public let userId: String
    public let type: String
    public let threadId: String?
    public let eventId: String
    public let ts: Int64
    /// Its position in the receipt stream.
    public let streamPos: Int64

    public init(roomId: String, userId: String, type: String, threadId: String?, eventId: String, ts: Int64,
                streamPos: Int64) {
        self.roomId = roomId
        self.userId = userId
        self.type = type
        self.threadId = threadId
        self.eventId = eventId
        self.ts = ts
        self.streamPos = streamPos
    }
}

/// A receipt to store for a local event (one the server has accepted into the room's timeline).
public struct ReceiptWrite: Sendable {
    public let roomNid: Int64
    public let userId: String
    public let type: String
    public let threadId: String?
    public let eventNid: Int64
    /// The event's position in the room stream: a receipt only replaces one for an earlier event.
    public let eventStreamPos: Int64
    public let ts: Int64

    public init(roomNid: Int64, userId: String, type: String, threadId: String?, eventNid: Int64,
                eventStreamPos: Int64, ts: Int64) {
        self.roomNid = roomNid
        self.userId = userId
        self.type = type
        self.threadId = threadId
        self.eventNid = eventNid
        self.eventStreamPos = eventStreamPos
        self.ts = ts
    }
}
