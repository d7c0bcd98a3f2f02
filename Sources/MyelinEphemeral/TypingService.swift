import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

/// Typing notices (spec "Typing Notifications"), in memory only: per room, the users typing and when
/// each notice expires. Every change (a user starts, stops, times out or leaves the room) takes the
/// next position of the typing stream and is announced on `feed`. Expiry is checked against the clock on
/// every read, so positions and answers are right whenever someone looks; one timer task sleeps until
/// the next expiry so listeners also hear of it promptly. Positions restart at 0 with the server; a
/// position from before a restart (above the current one) is answered as if it were 0.
public actor TypingService {
    private let rooms: RoomService
    private let presence: PresenceService?
    private let clock: WallClock
    private let settings: EphemeralSettings
    /// Room ID → user ID → when their notice expires (ms since the epoch).
    private var typing: [String: [String: Int64]] = [:]
    /// Room ID → the position of the room's last change.
    private var changed: [String: Int64] = [:]
    private var position: Int64 = 0
    private var timer = WakeTimer()
    /// Change notices, for sync's notifier.
    public nonisolated let feed = ChangeFeed<TypingChange>()

    /// `presence`, when given, hears of each typing request as the user's activity.
    public init(rooms: RoomService, presence: PresenceService? = nil, clock: WallClock,
                settings: EphemeralSettings = .init()) {
        self.rooms = rooms
        self.presence = presence
        self.clock = clock
        self.settings = settings
    }

    /// `PUT /rooms/{roomId}/typing/{userId}`: only for oneself (403), only in a joined room (403).
    /// `timeoutMs` defaults to 30 s and is capped at 120 s, as in Synapse. Repeating a start only
    /// extends the notice; it is no change for the stream.
    public func setTyping(_ requester: Requester, roomId: String, userId: String, typing isTyping: Bool,
                          timeoutMs: Int64?) async throws {
        guard userId == requester.userId else {
            throw MatrixError.forbidden("Cannot set another user's typing state")
        }
        _ = try await rooms.joinedRoom(roomId, userId)
        await presence?.markActive(userId)
        var notices = expireDue()
        if isTyping {
            let timeout = min(max(timeoutMs ?? settings.typingDefaultTimeoutMs, 0), settings.typingMaxTimeoutMs)
            let wasTyping = typing[roomId]?[userId] != nil
            typing[roomId, default: [:]][userId] = clock.nowMs() + timeout
            if !wasTyping { notices.append(bump(roomId)) }
        } else if remove(roomId, userId) {
            notices.append(bump(roomId))
        }
        scheduleWake()
        await feed.send(notices)
    }

    /// Ends the user's notice in the room (they left, were kicked or banned).
    public func stopTyping(roomId: String, userId: String) async {
        var notices = expireDue()
        if remove(roomId, userId) { notices.append(bump(roomId)) }
        scheduleWake()
        await feed.send(notices)
    }

    // MARK: Reads (for sync)

    /// The typing stream's current position.
    public func currentPosition() async -> Int64 {
        await settle()
        return position
    }

    /// The users typing in the room now, sorted.
    public func typingUsers(in roomId: String) async -> [String] {
        await settle()
        return (typing[roomId] ?? [:]).keys.sorted()
    }

    /// The rooms whose typing users changed after position `since` (sorted).
    public func changedRooms(since: Int64) async -> [String] {
        await settle()
        return changes(after: since, in: nil).rooms.keys.sorted()
    }

    /// What sync serves as `m.typing`: for each room that changed after `since` (every room with someone
    /// typing when `since` is nil), its typing users now, with the position this answer is complete up
    /// to. `roomIds` restricts the answer to those rooms (the viewer's joined rooms).
    public func update(since: Int64?, in roomIds: Set<String>? = nil) async -> TypingUpdate {
        await settle()
        return changes(after: since, in: roomIds)
    }

    /// Stops the wake-up timer and ends the feed's listeners.
    public func shutdown() async {
        timer.cancel()
        await feed.finish()
    }

    // MARK: Internals

    private func changes(after since: Int64?, in roomIds: Set<String>?) -> TypingUpdate {
        var result: [String: [String]] = [:]
        if let since, since <= position {
            for (roomId, at) in changed where at > since && roomIds?.contains(roomId) ?? true {
                result[roomId] = (typing[roomId] ?? [:]).keys.sorted()
            }
        } else {
            for (roomId, users) in typing where roomIds?.contains(roomId) ?? true {
                result[roomId] = users.keys.sorted()
            }
        }
        return TypingUpdate(position: position, rooms: result)
    }

    /// Expires what is due and announces it.
    private func settle() async {
        let notices = expireDue()
        if !notices.isEmpty { scheduleWake() }
        await feed.send(notices)
    }

    /// Removes the notices whose time has come; returns the changes (not yet announced).
    private func expireDue() -> [TypingChange] {
        let now = clock.nowMs()
        var notices: [TypingChange] = []
        for (roomId, users) in typing {
            let expired = users.filter { $0.value <= now }.keys
            guard !expired.isEmpty else { continue }
            for userId in expired { _ = remove(roomId, userId) }
            notices.append(bump(roomId))
        }
        return notices
    }

    private func remove(_ roomId: String, _ userId: String) -> Bool {
        guard typing[roomId]?.removeValue(forKey: userId) != nil else { return false }
        if typing[roomId]?.isEmpty == true { typing[roomId] = nil }
        return true
    }

    private func bump(_ roomId: String) -> TypingChange {
        position += 1
        changed[roomId] = position
        return TypingChange(roomId: roomId, position: position)
    }

    private func scheduleWake() {
        let next = typing.values.lazy.flatMap(\.values).min()
        timer.schedule(at: next, now: clock.nowMs()) { [weak self] in await self?.woke() }
    }

    private func woke() async {
        timer.fired()
        let notices = expireDue()
        scheduleWake()
        await feed.send(notices)
    }
}

/// The typing users of the rooms that changed, and the typing stream position the answer is complete up to.
public struct TypingUpdate: Sendable, Equatable {
    public let position: Int64
    /// Room ID → the users typing there now (sorted; empty when the last one stopped).
    public let rooms: [String: [String]]
}
