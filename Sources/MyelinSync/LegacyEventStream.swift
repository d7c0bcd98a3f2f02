import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

/// The deprecated event stream and initial sync (`GET /events`, `GET /initialSync`), still specified and
/// used by older clients and bots: built from the same reads as `/sync` and `/rooms/{roomId}/initialSync`.
/// Their tokens are `/sync` tokens, so a client may move between the two APIs.
public struct LegacyEventStream: Sendable {
    let sync: SyncService

    public init(sync: SyncService) {
        self.sync = sync
    }

    /// At most this many events per `/events` answer.
    static let maxEvents = 100

    /// `GET /events`: the events after `from` in the user's joined rooms (or, peeking, in one
    /// world-readable room), waiting up to `timeout` for some when there are none. A peek waits out its
    /// timeout unless the user's own rooms wake it: room events wake members only.
    public func events(_ requester: Requester, from: SyncToken?, timeout: Duration, roomId: String?) async throws
        -> JSONObject
    {
        var start = from
        if start == nil { start = try await sync.currentToken() }
        guard let start else { return [:] }
        let peekRoom = try await roomId.asyncMap { roomId in
            let room = try await sync.rooms.room(roomId)
            _ = try await sync.rooms.readAccess(room, requester.userId)
            return room
        }
        let deadline = ContinuousClock.now + min(timeout, SyncService.maxTimeout)
        while true {
            let ticket = await sync.notifier.register(userNid: requester.userNid, userId: requester.userId)
            let answer: (events: [JSONObject], end: SyncToken)
            do {
                answer = try await read(requester, after: start, peeking: peekRoom)
            } catch {
                await sync.notifier.cancel(ticket)
                throw error
            }
            if !answer.events.isEmpty || deadline <= ContinuousClock.now {
                await sync.notifier.cancel(ticket)
                return ["start": .string(start.description), "end": .string(answer.end.description),
                        "chunk": .array(answer.events.map(JSONValue.object))]
            }
            await sync.notifier.wait(ticket, timeout: deadline - ContinuousClock.now)
            try Task.checkCancellation()
        }
    }

    /// The room events after `after` that the user may see, in stream order, and the token to go on from.
    private func read(_ requester: Requester, after: SyncToken, peeking: RoomRecord?) async throws
        -> (events: [JSONObject], end: SyncToken)
    {
        var end = try await sync.currentToken()
        let rooms = sync.rooms
        let raw = try await rooms.store.streamEvents(after: after.rooms, limit: Self.maxEvents)
        if raw.count == Self.maxEvents, let last = raw.last?.streamPos { end.rooms = last }
        let inScope: Set<Int64>
        if let peeking {
            inScope = [peeking.nid]
        } else {
            inScope = Set(try await rooms.store.memberships(of: requester.userId)
                .filter { $0.membership == Membership.join.rawValue }.map(\.roomNid))
        }
        var events: [JSONObject] = []
        let ignored = try await sync.accountData.ignoredUsers(userNid: requester.userNid)
        for (roomNid, group) in Dictionary(grouping: raw.filter { inScope.contains($0.roomNid) }, by: \.roomNid) {
            guard let room = try await rooms.store.room(nid: roomNid) else { continue }
            let visible = try await rooms.visibleEvents(group, room: room, userId: requester.userId, ignoring: ignored)
            events += try await rooms.clientEvents(visible, room: room, viewer: requester)
        }
        let order = Dictionary(raw.map { ($0.eventId, $0.streamPos ?? 0) }, uniquingKeysWith: { a, _ in a })
        events.sort { order[$0["event_id"]?.stringValue ?? ""] ?? 0 < order[$1["event_id"]?.stringValue ?? ""] ?? 0 }
        return (events, end)
    }

    /// `GET /initialSync`: every room of the user with its state and latest messages (`limit`), invites
    /// with their invite event, rooms left only when `archived`; the global account data; `end` to go on
    /// with `/events` or `/sync`.
    public func initialSync(_ requester: Requester, limit: Int, archived: Bool) async throws -> JSONObject {
        let end = try await sync.currentToken()
        let rooms = sync.rooms
        var entries: [JSONValue] = []
        for membership in try await rooms.store.memberships(of: requester.userId) where !membership.forgotten {
            switch membership.membership {
            case "join":
                entries.append(.object(try await rooms.initialSync(requester, roomId: membership.roomId, limit: limit)))
            case "leave", "ban":
                guard archived else { continue }
                entries.append(.object(try await rooms.initialSync(requester, roomId: membership.roomId, limit: limit)))
            case "invite":
                guard let event = try await rooms.store.event(nid: membership.eventNid) else { continue }
                let room = try await rooms.room(membership.roomId)
                let invite = try await rooms.clientEvents([event], room: room, viewer: requester).first ?? [:]
                entries.append(["room_id": .string(membership.roomId), "membership": "invite",
                                "invite": .object(invite)])
            default:
                continue
            }
        }
        var accountData: [JSONValue] = []
        for entry in try await sync.accountData.all(userNid: requester.userNid) where entry.roomId == nil {
            guard case .object(let content)? = try? JSONParser.parse(entry.content) else { continue }
            accountData.append(["type": .string(entry.type), "content": .object(content)])
        }
        let presence = try await sync.ephemeral.presence.update(viewer: requester.userId, since: nil)
        return ["end": .string(end.description), "rooms": .array(entries),
                "presence": .array(presence.events.map(JSONValue.object)), "account_data": .array(accountData)]
    }
}
