import Logging
import MatrixCore
import MyelinAccounts
import MyelinEphemeral
import MyelinPush
import MyelinRooms
import MyelinStorage

/// `/sync`: what changed for a user between two tokens, waiting for news when there is none.
public final class SyncService: Sendable {
    let rooms: RoomService
    let accountData: AccountDataStore
    let ephemeral: EphemeralServices
    let devices: SyncDeviceSources
    /// For reading every stream's position at once.
    let database: MyelinDatabase
    /// Push rule verdicts, for unread notification counts.
    public let pushActions: PushActionService
    public let notifier: SyncNotifier
    let logger: Logger

    /// Longest a client may hold a request open.
    static let maxTimeout: Duration = .seconds(180)

    public init(database: MyelinDatabase, rooms: RoomService, accountData: AccountDataStore,
                ephemeral: EphemeralServices, devices: SyncDeviceSources, pushActions: PushActionService,
                notifier: SyncNotifier = SyncNotifier(), logger: Logger) {
        self.database = database
        self.rooms = rooms
        self.pushActions = pushActions
        self.ephemeral = ephemeral
        self.devices = devices
        self.accountData = accountData
        self.notifier = notifier
        self.logger = logger
    }

    /// The newest position of every stream.
    public func currentToken() async throws -> SyncToken {
        try await token(try await StreamPositions.read(from: database))
    }

    /// A token from the stored streams' positions and the in-memory ones (typing, presence).
    func token(_ stored: StreamPositions) async throws -> SyncToken {
        var token = SyncToken(rooms: stored.rooms, accountData: stored.accountData)
        token.receipts = stored.receipts
        token.toDevice = stored.toDevice
        token.deviceLists = stored.deviceLists
        token.typing = await ephemeral.typing.currentPosition()
        token.presence = try await ephemeral.presence.currentPosition()
        return token
    }

    /// `GET /keys/changes`: whose device lists changed between two sync tokens, as sync would report
    /// them, and who stopped sharing a room with the caller.
    public func deviceListChanges(_ requester: Requester, from: SyncToken, to: SyncToken) async throws
        -> DeviceListChanges
    {
        try await devices.deviceLists.changes(
            for: requester.userId, rooms: from.rooms...max(from.rooms, to.rooms),
            deviceLists: from.deviceLists...max(from.deviceLists, to.deviceLists))
    }

    public func sync(_ requester: Requester, _ request: SyncRequest) async throws -> JSONObject {
        let setPresence = PresenceState(rawValue: request.setPresence) ?? .online
        await ephemeral.presence.syncing(requester.userId, setPresence: setPresence)
        do {
            let response = try await answer(requester, request)
            await ephemeral.presence.syncEnded(requester.userId, setPresence: setPresence)
            return response
        } catch {
            await ephemeral.presence.syncEnded(requester.userId, setPresence: setPresence)
            throw error
        }
    }

    /// Builds the answer, waiting for news (up to the request's timeout) when there is none.
    private func answer(_ requester: Requester, _ request: SyncRequest) async throws -> JSONObject {
        let deadline = ContinuousClock.now + min(request.timeout, Self.maxTimeout)
        while true {
            // Registered before looking, so a change landing while the response is built still wakes us.
            let ticket = await notifier.register(userNid: requester.userNid, userId: requester.userId)
            let response: SyncResponseBuilder.Response
            do {
                response = try await build(requester, request)
            } catch {
                // A failed (or, its client gone, cancelled) round must not leave its ticket behind.
                await notifier.cancel(ticket)
                throw error
            }
            let remaining = deadline - ContinuousClock.now
            if request.since == nil || request.fullState || !response.isEmpty || remaining <= .zero {
                await notifier.cancel(ticket)
                return response.json
            }
            // Woken or timed out: the next round builds the answer (and returns it at the deadline).
            await notifier.wait(ticket, timeout: remaining)
            // The client went away: nobody will read another round.
            try Task.checkCancellation()
        }
    }

    /// One round's answer. A function of its own so that what it read is freed before the round waits:
    /// a long-poll holds its ticket, not its last snapshot.
    private func build(_ requester: Requester, _ request: SyncRequest) async throws -> SyncResponseBuilder.Response {
        let previous = request.since
        let snapshot = try await SyncSnapshot.read(from: database, SyncSnapshot.Request(
            userNid: requester.userNid, userId: requester.userId, deviceId: requester.deviceId,
            roomsSince: request.fullState ? nil : previous?.rooms,
            previous: previous.map { ($0.rooms, $0.toDevice, $0.deviceLists) },
            toDeviceLimit: SyncResponseBuilder.toDeviceLimit))
        // To-device messages at or before the client's token reached it: they go now.
        if let acknowledged = previous?.toDevice, snapshot.devices.hasAcknowledged {
            try await devices.toDevice.acknowledge(userNid: requester.userNid, deviceId: requester.deviceId,
                                                   upTo: acknowledged)
        }
        let now = try await token(snapshot.positions)
        // The counts must cover every event this response may return (push module, "Server behaviour").
        await pushActions.caughtUp(to: now.rooms)
        return try await SyncResponseBuilder(service: self, requester: requester, request: request, now: now,
                                             snapshot: snapshot).build()
    }

    /// Wakes the syncs of the users a room event concerns: the room's joined members, and the target
    /// of a membership change (an invitee is not a member yet).
    func announce(_ announcement: RoomAnnouncement) async {
        var extra: Set<String> = []
        if announcement.event.type == "m.room.member", let target = announcement.event.stateKey { extra.insert(target) }
        await wakeMembers(of: announcement.roomId, plus: extra)
    }

    /// Wakes the waiting members of a room (room events, typing, receipts) and `extra` users. Storage is
    /// asked who is in the room only when someone waits.
    func wakeMembers(of roomId: String, plus extra: Set<String> = []) async {
        guard !(await notifier.isIdle) else { return }
        do {
            guard let room = try await rooms.store.room(id: roomId) else { return }
            // The notifier skips users who are not waiting.
            let members = try await rooms.store.members(roomNid: room.nid, membership: "join").keys
            await notifier.notify(userIds: Set(members).union(extra))
        } catch {
            logger.warning("could not wake syncs for \(roomId): \(error)")
        }
    }

    /// Wakes the waiting users who share a room with `userId`, and the user (presence).
    func wakeSharingRooms(with userId: String) async {
        let waiting = await notifier.waitingUserIds
        guard !waiting.isEmpty else { return }
        do {
            let sharing = try await rooms.store.usersSharingRoom(with: userId, among: Array(waiting))
            await notifier.notify(userIds: sharing.union([userId]).intersection(waiting))
        } catch {
            logger.warning("could not wake syncs for the presence of \(userId): \(error)")
        }
    }

    /// Listens to the room pipeline and account data until cancelled (run by the server).
    public func runFeeds() async {
        let announcements = await rooms.pipeline.announcements.subscribe()
        let accountChanges = await accountData.changes.subscribe()
        let typing = await ephemeral.typing.feed.subscribe()
        let receipts = await ephemeral.receipts.feed.subscribe()
        let presence = await ephemeral.presence.feed.subscribe()
        let toDevice = await devices.toDevice.changes.subscribe()
        let deviceLists = await devices.deviceListChanges.subscribe()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await change in typing { await wakeMembers(of: change.roomId) }
            }
            group.addTask { [self] in
                for await change in receipts {
                    // A private receipt concerns only its owner.
                    if change.isPrivate {
                        await notifier.notify(userIds: [change.userId])
                    } else {
                        await wakeMembers(of: change.roomId)
                    }
                }
            }
            group.addTask { [self] in
                for await change in presence { await wakeSharingRooms(with: change.userId) }
            }
            group.addTask { [self] in
                for await announcement in announcements { await announce(announcement) }
            }
            group.addTask { [self] in
                for await userNid in accountChanges { await notifier.notify(userNid: userNid) }
            }
            group.addTask { [self] in
                for await userNid in toDevice { await notifier.notify(userNid: userNid) }
            }
            group.addTask { [self] in
                // The user's own other devices and everyone sharing a room with them.
                for await userId in deviceLists { await wakeSharingRooms(with: userId) }
            }
        }
    }
}
