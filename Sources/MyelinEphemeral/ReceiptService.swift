import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

/// Read receipts (spec "Receipts") and the fully read marker (spec "Read and unread markers").
/// Receipts are stored per (room, user, type, thread) and only move forward; each stored receipt takes
/// the next position of the receipt stream and is announced on `feed`. `m.read.private` receipts are
/// only ever served to their owner. The fully read marker is room account data (`m.fully_read`).
public final class ReceiptService: Sendable {
    /// The receipt types stored as receipts; `m.fully_read` is the read marker.
    public static let receiptTypes: Set<String> = ["m.read", "m.read.private"]
    static let fullyRead = "m.fully_read"
    static let mainTimeline = "main"

    let rooms: RoomService
    let store: ReceiptStore
    let accountData: AccountDataStore
    let presence: PresenceService
    /// Notifications a moving receipt marks as read are dropped from here.
    let pushActions: PushActionStore
    let clock: WallClock
    /// Change notices, for sync's notifier.
    public let feed = ChangeFeed<ReceiptChange>()

    public init(rooms: RoomService, store: ReceiptStore, accountData: AccountDataStore, presence: PresenceService,
                pushActions: PushActionStore, clock: WallClock) {
        self.pushActions = pushActions
        self.rooms = rooms
        self.store = store
        self.accountData = accountData
        self.presence = presence
        self.clock = clock
    }

    // MARK: The endpoints

    /// `POST /rooms/{roomId}/receipt/{receiptType}/{eventId}`. 400 `M_INVALID_PARAM` for another type, a
    /// malformed ID, an empty `thread_id`, a `thread_id` with `m.fully_read`, or an event not in that
    /// thread; 403 unless joined to the room, or when the event is hidden from the user by history
    /// visibility; 404 for an event that is not (accepted) in the room. A receipt for an event at or
    /// before the user's current one is accepted and ignored.
    public func sendReceipt(_ requester: Requester, roomId: String, type: String, eventId: String,
                            threadId: String?) async throws {
        guard Self.receiptTypes.contains(type) || type == Self.fullyRead else {
            throw MatrixError.invalidParam("Receipt type must be m.read, m.read.private or m.fully_read")
        }
        guard roomId.hasPrefix("!"), eventId.hasPrefix("$") else {
            throw MatrixError.invalidParam("A valid room ID and event ID must be specified")
        }
        if let threadId {
            guard !threadId.isEmpty else { throw MatrixError.invalidParam("thread_id field must be a non-empty string") }
            guard type != Self.fullyRead else {
                throw MatrixError.invalidParam("thread_id is not compatible with m.fully_read receipts")
            }
        }
        let room = try await rooms.joinedRoom(roomId, requester.userId)
        let event = try await target(eventId, in: room, for: requester.userId)
        if let threadId { try await requireInThread(event, threadId, room: room) }
        await presence.markActive(requester.userId)
        if type == Self.fullyRead {
            try await setFullyRead(requester, room: room, event: event)
        } else {
            try await record(requester, room: room, type: type, event: event, threadId: threadId)
        }
    }

    /// `POST /rooms/{roomId}/read_markers`: the fully read marker and, optionally, the (private) read
    /// receipt (unthreaded), as the receipt endpoint would set them. Every named event is checked
    /// before anything is written. A marker only moves forward, as in Synapse.
    public func setReadMarkers(_ requester: Requester, roomId: String, fullyRead: String?, read: String?,
                               readPrivate: String?) async throws {
        let room = try await rooms.joinedRoom(roomId, requester.userId)
        var fullyReadEvent: StoredEvent?
        if let fullyRead { fullyReadEvent = try await target(fullyRead, in: room, for: requester.userId) }
        var receipts: [(String, StoredEvent)] = []
        for (type, eventId) in [("m.read", read), ("m.read.private", readPrivate)] {
            guard let eventId else { continue }
            receipts.append((type, try await target(eventId, in: room, for: requester.userId)))
        }
        await presence.markActive(requester.userId)
        if let fullyReadEvent { try await setFullyRead(requester, room: room, event: fullyReadEvent) }
        for (type, event) in receipts {
            try await record(requester, room: room, type: type, event: event, threadId: nil)
        }
    }

    // MARK: Reads (for sync)

    /// The receipt stream's current position.
    public func currentPosition() async throws -> Int64 {
        try await store.position()
    }

    /// What sync serves as `m.receipt` in each of `roomIds` (the viewer's rooms): the receipts stored in
    /// (`since`, `upTo`] (`upTo` defaults to now), or every current receipt of those rooms when `since`
    /// is nil (initial sync). Other users' private receipts are left out. An incremental answer holds at
    /// most `limit` receipts, oldest first; `position` says how far it is complete.
    public func update(viewer: String, roomIds: [String], since: Int64?, upTo: Int64? = nil, limit: Int = 1000)
        async throws -> ReceiptUpdate
    {
        // Positions only grow, so a given `upTo` (read by the caller) is never past the current one.
        let to: Int64
        if let upTo { to = upTo } else { to = try await store.position() }
        if let since, since >= to { return ReceiptUpdate(position: to, rooms: [:]) }
        let cap = since == nil ? Int.max : max(1, limit)
        let records = try await store.receipts(roomIds: roomIds, viewer: viewer, after: since, upTo: to, limit: cap)
        let complete = records.count < cap
        return ReceiptUpdate(position: complete ? to : records.last?.streamPos ?? to,
                             rooms: ReceiptUpdate.contents(records))
    }

    /// `update` over the rooms the viewer is joined to now.
    public func update(viewer: String, since: Int64?, upTo: Int64? = nil, limit: Int = 1000) async throws
        -> ReceiptUpdate
    {
        let joined = try await rooms.store.rooms(of: viewer, membership: Membership.join.rawValue)
        return try await update(viewer: viewer, roomIds: joined, since: since, upTo: upTo, limit: limit)
    }

    // MARK: Internals

    /// The event, when it is an accepted event of the room (else 404) that the user may see (else 403).
    func target(_ eventId: String, in room: RoomRecord, for userId: String) async throws -> StoredEvent {
        guard let event = try await rooms.store.event(id: eventId), event.roomNid == room.nid,
            event.streamPos != nil
        else { throw MatrixError.notFound("Event \(eventId) not found in room \(room.roomId)") }
        guard try await !rooms.visibleEvents([event], room: room, userId: userId).isEmpty else {
            throw MatrixError.forbidden("You don't have permission to access that event")
        }
        return event
    }

    /// 400 unless the event belongs to the thread the receipt names (Synapse's rules): for `main`, the
    /// event is not in a thread; for a root, it is that thread's root, in it, or relates to either.
    private func requireInThread(_ event: StoredEvent, _ threadId: String, room: RoomRecord) async throws {
        let fits: Bool
        if threadId == Self.mainTimeline {
            fits = try await rooms.store.threadId(of: event.eventId, roomNid: room.nid) == nil
        } else {
            fits = try await rooms.store.receiptThreadId(of: event.eventId, roomNid: room.nid) == threadId
        }
        guard fits else {
            throw MatrixError.invalidParam("event_id \(event.eventId) is not related to thread \(threadId)")
        }
    }

    private func record(_ requester: Requester, room: RoomRecord, type: String, event: StoredEvent,
                        threadId: String?) async throws {
        guard let streamPos = event.streamPos else { return }
        let write = ReceiptWrite(roomNid: room.nid, userId: requester.userId, type: type, threadId: threadId,
                                 eventNid: event.nid, eventStreamPos: streamPos, ts: clock.nowMs())
        guard let position = try await store.put(write) else { return }
        // Only keeps the table small: counting already stops at the receipt, so a failure here must not
        // fail a receipt that is stored.
        try? await pushActions.clear(PushActionClear(userNid: requester.userNid, roomNid: room.nid, upTo: streamPos,
                                                     scope: .init(receiptThreadId: threadId)))
        await feed.send([ReceiptChange(roomId: room.roomId, userId: requester.userId,
                                       isPrivate: type == "m.read.private", position: position)])
    }

    /// Moves the `m.fully_read` room account data to the event, unless it already points at a later one
    /// (a marker on an event no longer known is replaced).
    private func setFullyRead(_ requester: Requester, room: RoomRecord, event: StoredEvent) async throws {
        if let bytes = try await accountData.get(userNid: requester.userNid, roomId: room.roomId, type: Self.fullyRead),
            case .object(let content)? = try? JSONParser.parse(bytes),
            let previousId = content["event_id"]?.stringValue,
            let previous = try await rooms.store.event(id: previousId), previous.roomNid == room.nid,
            let previousPos = previous.streamPos, let newPos = event.streamPos, previousPos >= newPos
        {
            return
        }
        let content: JSONValue = ["event_id": .string(event.eventId)]
        do {
            try await accountData.put(userNid: requester.userNid, roomId: room.roomId, type: Self.fullyRead,
                                      content: CanonicalJSON.encodeLenient(content))
        } catch let quota as QuotaExceeded {
            throw MatrixError(quota)
        }
    }
}

/// Receipts for one viewer by room, and the receipt stream position the answer is complete up to.
public struct ReceiptUpdate: Sendable, Equatable {
    public let position: Int64
    /// Room ID → the content of its `m.receipt` event:
    /// `{eventId: {receiptType: {userId: {"ts": ..., "thread_id"?: ...}}}}`.
    public let rooms: [String: JSONObject]

    /// The rooms where this answer carries a receipt of `userId`.
    public func roomsWithReceipts(of userId: String) -> Set<String> {
        var result: Set<String> = []
        for (roomId, content) in rooms {
            let hasOwn = content.values.contains { byType in
                byType.objectValue?.values.contains { $0.objectValue?[userId] != nil } ?? false
            }
            if hasOwn { result.insert(roomId) }
        }
        return result
    }

    static func contents(_ records: [ReceiptRecord]) -> [String: JSONObject] {
        var rooms: [String: JSONObject] = [:]
        for record in records {
            var receipt: JSONObject = ["ts": .int(record.ts)]
            if let thread = record.threadId { receipt["thread_id"] = .string(thread) }
            var content = rooms[record.roomId] ?? [:]
            var byType = content[record.eventId]?.objectValue ?? [:]
            var byUser = byType[record.type]?.objectValue ?? [:]
            byUser[record.userId] = .object(receipt)
            byType[record.type] = .object(byUser)
            content[record.eventId] = .object(byType)
            rooms[record.roomId] = content
        }
        return rooms
    }
}
