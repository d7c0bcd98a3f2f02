/// An event that notifies a local user: what push rules decided, kept until the user reads past it.
public struct PushActionWrite: Sendable, Equatable {
    public let userNid: Int64
    public let roomNid: Int64
    public let streamPos: Int64
    /// The thread root's event ID, or nil for the main timeline.
    public let threadId: String?
    public let highlight: Bool

    public init(userNid: Int64, roomNid: Int64, streamPos: Int64, threadId: String?, highlight: Bool) {
        self.userNid = userNid
        self.roomNid = roomNid
        self.streamPos = streamPos
        self.threadId = threadId
        self.highlight = highlight
    }
}

/// Which notifications a read receipt (or the user's own event) marks as read: those at or before
/// `upTo` in the room, in every thread, the main timeline only, or one thread.
public struct PushActionClear: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        case everything
        case mainTimeline
        case thread(String)

        /// The scope of a receipt's `thread_id`: none is unthreaded, `main` the main timeline, else a root.
        public init(receiptThreadId: String?) {
            switch receiptThreadId {
            case nil: self = .everything
            case "main": self = .mainTimeline
            case let root?: self = .thread(root)
            }
        }
    }

    public let userNid: Int64
    public let roomNid: Int64
    public let upTo: Int64
    public let scope: Scope

    public init(userNid: Int64, roomNid: Int64, upTo: Int64, scope: Scope) {
        self.userNid = userNid
        self.roomNid = roomNid
        self.upTo = upTo
        self.scope = scope
    }
}

/// Unread notifications of one room (or one thread of it): how many notify, and how many of those
/// highlight.
public struct UnreadCount: Sendable, Equatable {
    public var notifications: Int64
    public var highlights: Int64

    public init(notifications: Int64 = 0, highlights: Int64 = 0) {
        self.notifications = notifications
        self.highlights = highlights
    }

    public static func + (lhs: UnreadCount, rhs: UnreadCount) -> UnreadCount {
        UnreadCount(notifications: lhs.notifications + rhs.notifications, highlights: lhs.highlights + rhs.highlights)
    }
}

/// A local user joined to a room, who may be notified of its events.
public struct PushRecipient: Sendable, Equatable {
    public let userId: String
    public let userNid: Int64
    /// Their `m.ignored_user_list`: events from these senders never notify them.
    public let ignoredUsers: Set<String>

    public init(userId: String, userNid: Int64, ignoredUsers: Set<String> = []) {
        self.userId = userId
        self.userNid = userNid
        self.ignoredUsers = ignoredUsers
    }
}
