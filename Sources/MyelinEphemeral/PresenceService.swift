import Logging
import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Presence (spec "Presence"): every user's state, status message and last activity, held in memory
/// (loaded once from storage, written back on each change) so reads are cheap and the stream positions
/// it assigns are always consistent with what it serves. Each change takes the next position of the
/// presence stream and is announced on `feed`.
///
/// Transitions by time: an online user inactive for `presenceIdleTimeoutMs` becomes `unavailable`, and
/// one inactive for `presenceActiveGranularityMs` stops being `currently_active`. They are applied
/// against the clock on every read, and a timer task sleeping until the next one lets listeners hear
/// of them promptly. Activity (`markActive`) brings an `unavailable` user back online, as in Synapse.
/// A user whose clients sync goes `offline` `presenceOfflineTimeoutMs` after their last sync ended, if
/// none is open by then (sync reports each start and end). Users who never synced here (a bot that only
/// sets presence) are left to the idle rule.
public actor PresenceService {
    private let store: PresenceStore
    private let rooms: RoomEventStore
    private let clock: WallClock
    private let settings: EphemeralSettings
    private let logger: Logger
    private var users: [String: PresenceStatus] = [:]
    /// The last activity time written to storage per user: activity alone is written at most once per
    /// `presenceActiveGranularityMs`.
    private var storedActivity: [String: Int64] = [:]
    private var position: Int64 = 0
    private var loaded = false
    private var timer = WakeTimer()
    /// Users whose clients sync with presence: how many syncs are open and when the last one ended.
    private var syncing: [String: SyncActivity] = [:]
    /// Change notices, for sync's notifier.
    public nonisolated let feed = ChangeFeed<PresenceChange>()

    public init(store: PresenceStore, rooms: RoomEventStore, clock: WallClock, settings: EphemeralSettings = .init(),
                logger: Logger) {
        self.store = store
        self.rooms = rooms
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    // MARK: The endpoints

    /// `PUT /presence/{userId}/status`: only one's own (403). Setting `online` counts as activity; the
    /// status message is replaced (cleared when absent), as in Synapse.
    public func setPresence(_ requester: Requester, userId: String, state: PresenceState, statusMsg: String?)
        async throws
    {
        guard userId == requester.userId else { throw MatrixError.forbidden("Can only set your own presence state") }
        try await load()
        let now = clock.nowMs()
        var notices = expireDue(now: now)
        var status = users[userId] ?? .unknown
        let before = status
        status.state = state
        status.statusMsg = statusMsg
        if state == .online { status.lastActiveTs = now }
        status.currentlyActive = state == .online && now - status.lastActiveTs < settings.presenceActiveGranularityMs
        if status.changed(from: before) {
            notices.append(bump(userId, &status))
        }
        users[userId] = status
        scheduleWake()
        try await save(notices.map(\.userId) + [userId])
        await feed.send(notices)
    }

    /// A `/sync` with `set_presence` starts: `online` (the default) brings an offline user online and
    /// counts as activity, `unavailable` marks the user so, `offline` leaves presence alone and does not
    /// count as syncing (as Synapse reads it). The status message is kept. Every call that counts must be
    /// matched by `syncEnded`. Errors are logged, never thrown: presence is a side note to the sync.
    public func syncing(_ userId: String, setPresence requested: PresenceState) async {
        guard requested != .offline else { return }
        syncing[userId, default: SyncActivity()].open += 1
        do {
            try await load()
            let now = clock.nowMs()
            var notices = expireDue(now: now)
            var status = users[userId] ?? .unknown
            let before = status
            if requested == .online, status.state == .offline { status.state = .online }
            if requested == .unavailable { status.state = .unavailable }
            if status.changed(from: before) { notices.append(bump(userId, &status)) }
            users[userId] = status
            try await save(notices.map(\.userId))
            await feed.send(notices)
        } catch {
            logger.warning("recording presence from sync failed", metadata: ["user": "\(userId)", "error": "\(error)"])
        }
        if requested == .online { await markActive(userId) }
    }

    /// A sync that `syncing` counted has ended: the offline countdown starts when it was the last open.
    public func syncEnded(_ userId: String, setPresence requested: PresenceState) {
        guard requested != .offline, var activity = syncing[userId] else { return }
        activity.open = max(0, activity.open - 1)
        activity.lastEndedMs = clock.nowMs()
        syncing[userId] = activity
        scheduleWake()
    }

    /// `GET /presence/{userId}/status`: one's own, or that of a user who shares a joined room with the
    /// requester (Synapse's rule; 403 otherwise, unknown users included).
    public func presence(_ requester: Requester, of userId: String) async throws -> JSONObject {
        guard (try? UserID(parsing: userId)) != nil else {
            throw MatrixError.invalidParam("\(userId) is not a valid user ID")
        }
        if userId != requester.userId {
            let sharing = try await rooms.usersSharingRoom(with: requester.userId, among: [userId])
            guard sharing.contains(userId) else {
                throw MatrixError.forbidden("You are not allowed to see their presence")
            }
        }
        try await settle()
        return (users[userId] ?? .unknown).content(nowMs: clock.nowMs())
    }

    /// Records activity by the user (an API call, a sent event): their last active time moves to now,
    /// and an `unavailable` user comes back online. Errors are logged, never thrown: activity is a side
    /// note to whatever the user was doing.
    public func markActive(_ userId: String) async {
        do {
            try await load()
            let now = clock.nowMs()
            var notices = expireDue(now: now)
            var status = users[userId] ?? .unknown
            let before = status
            status.lastActiveTs = now
            if status.state == .unavailable { status.state = .online }
            if status.state == .online { status.currentlyActive = true }
            if status.changed(from: before) { notices.append(bump(userId, &status)) }
            users[userId] = status
            scheduleWake()
            var toSave = notices.map(\.userId)
            if !toSave.contains(userId), now - (storedActivity[userId] ?? 0) >= settings.presenceActiveGranularityMs {
                toSave.append(userId)
            }
            try await save(toSave)
            await feed.send(notices)
        } catch {
            logger.warning("recording presence activity failed", metadata: ["user": "\(userId)", "error": "\(error)"])
        }
    }

    // MARK: Reads (for sync)

    /// The presence stream's current position.
    public func currentPosition() async throws -> Int64 {
        try await settle()
        return position
    }

    /// The user's presence now (`unknown`, i.e. offline, for a user never seen). No visibility check.
    public func status(of userId: String) async throws -> PresenceStatus {
        try await settle()
        return users[userId] ?? .unknown
    }

    /// `m.presence` events of the current presence of those of `userIds` the server has seen (clients
    /// take a user never seen for offline already). No visibility check: for sync, which passes the
    /// users who just began sharing a room with the viewer.
    public func events(of userIds: some Sequence<String>) async throws -> [JSONObject] {
        try await settle()
        let now = clock.nowMs()
        return userIds.compactMap { userId in
            guard let status = users[userId], status.position > 0 else { return nil }
            return status.event(userId: userId, nowMs: now)
        }
    }

    /// What sync serves as top-level `presence` for `viewer`: `m.presence` events of the users whose
    /// presence changed in (`since`, `upTo`] (every user with a known presence when `since` is nil) and
    /// who share a joined room with the viewer, or are the viewer. At most `limit` users, oldest change
    /// first; `position` says how far the answer is complete (below `upTo` when the limit cut it).
    public func update(viewer: String, since: Int64?, upTo: Int64? = nil, limit: Int = 500) async throws
        -> PresenceUpdate
    {
        try await settle()
        let to = min(upTo ?? position, position)
        let from = since ?? 0
        let candidates = users.filter { $0.value.position > from && $0.value.position <= to }
            .sorted { $0.value.position < $1.value.position }
        guard !candidates.isEmpty else { return PresenceUpdate(position: to, events: []) }
        let others = candidates.map { $0.key }.filter { $0 != viewer }
        let sharing = try await rooms.usersSharingRoom(with: viewer, among: others)
        let visible = candidates.filter { $0.key == viewer || sharing.contains($0.key) }
        let now = clock.nowMs()
        let kept = visible.prefix(max(0, limit))
        let complete = kept.count == visible.count
        return PresenceUpdate(position: complete ? to : kept.last?.value.position ?? from,
                              events: kept.map { $0.value.event(userId: $0.key, nowMs: now) })
    }

    /// Stops the wake-up timer and ends the feed's listeners.
    public func shutdown() async {
        timer.cancel()
        await feed.finish()
    }

    // MARK: Internals

    private func load() async throws {
        guard !loaded else { return }
        let records = try await store.all()
        // Another call may have loaded while this one waited.
        guard !loaded else { return }
        for record in records {
            users[record.userId] = PresenceStatus(record)
            storedActivity[record.userId] = record.lastActiveTs
        }
        position = records.map(\.streamPos).max() ?? 0
        loaded = true
        scheduleWake()
    }

    /// Applies the transitions that are due, writes and announces them.
    private func settle() async throws {
        try await load()
        let notices = expireDue(now: clock.nowMs())
        guard !notices.isEmpty else { return }
        scheduleWake()
        try await save(notices.map(\.userId))
        await feed.send(notices)
    }

    /// Users whose syncs stopped go offline; online users past the idle timeout become unavailable; past
    /// the activity granularity, no longer currently active. Returns the changes (not yet written or
    /// announced).
    private func expireDue(now: Int64) -> [PresenceChange] {
        var notices: [PresenceChange] = []
        for (userId, activity) in syncing where activity.open == 0
            && now - activity.lastEndedMs >= settings.presenceOfflineTimeoutMs
        {
            syncing[userId] = nil
            guard var status = users[userId], status.state != .offline else { continue }
            status.state = .offline
            status.currentlyActive = false
            notices.append(bump(userId, &status))
            users[userId] = status
        }
        for (userId, current) in users where current.state == .online {
            var status = current
            let idle = now - status.lastActiveTs
            if idle >= settings.presenceIdleTimeoutMs {
                status.state = .unavailable
                status.currentlyActive = false
            } else if status.currentlyActive, idle >= settings.presenceActiveGranularityMs {
                status.currentlyActive = false
            } else {
                continue
            }
            notices.append(bump(userId, &status))
            users[userId] = status
        }
        return notices
    }

    private func bump(_ userId: String, _ status: inout PresenceStatus) -> PresenceChange {
        position += 1
        status.position = position
        return PresenceChange(userId: userId, position: position)
    }

    private func save(_ userIds: [String]) async throws {
        for userId in Set(userIds) {
            guard let status = users[userId] else { continue }
            storedActivity[userId] = status.lastActiveTs
            try await store.save(status.record(userId: userId))
        }
    }

    /// The next time-based transition of any user.
    private func nextDeadline() -> Int64? {
        let granularity = settings.presenceActiveGranularityMs
        let idle = settings.presenceIdleTimeoutMs
        let activity = users.values.lazy.filter { $0.state == .online }.map { status in
            status.lastActiveTs + (status.currentlyActive ? granularity : idle)
        }.min()
        let offline = syncing.values.lazy.filter { $0.open == 0 }
            .map { $0.lastEndedMs + self.settings.presenceOfflineTimeoutMs }.min()
        return [activity, offline].compactMap { $0 }.min()
    }

    private func scheduleWake() {
        timer.schedule(at: nextDeadline(), now: clock.nowMs()) { [weak self] in await self?.woke() }
    }

    private func woke() async {
        timer.fired()
        do {
            try await settle()
        } catch {
            logger.warning("applying presence timeouts failed", metadata: ["error": "\(error)"])
        }
        scheduleWake()
    }
}

/// A user's syncs as presence counts them.
struct SyncActivity {
    var open = 0
    var lastEndedMs: Int64 = 0
}

/// Presence events for one viewer, and the presence stream position the answer is complete up to.
public struct PresenceUpdate: Sendable, Equatable {
    public let position: Int64
    /// `m.presence` events (`sender`, `content`), oldest change first.
    public let events: [JSONObject]
}

extension PresenceStatus {
    /// Whether a change is worth an update: the state, the message, or `currently_active` changed.
    /// Activity alone, while currently active, is not (the spec's `currently_active` rule).
    func changed(from old: PresenceStatus) -> Bool {
        state != old.state || statusMsg != old.statusMsg || currentlyActive != old.currentlyActive
    }
}
