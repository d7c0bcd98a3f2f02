import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Reading a room's timeline: one event, `/messages`, `/context` and `/timestamp_to_event`. Every path
/// serves only accepted events the requester may see by history visibility (`EventVisibilityFilter`),
/// redacted ones in their redacted form.
extension RoomService {
    /// `GET /rooms/{roomId}/event/{eventId}`: 404 `M_NOT_FOUND` for an event that is unknown, of
    /// another room, not accepted, or not visible to the requester (the spec does not tell them apart).
    public func event(_ requester: Requester, roomId: String, eventId: String) async throws -> JSONObject {
        let room = try await room(roomId)
        let visibility = try await servingFilter(room, viewer: requester)
        let target = try await visibleEvent(eventId, in: room, visibility: visibility)
        guard let json = try await serve([target], room: room, viewer: requester, visibility: visibility).first else {
            throw MatrixError.notFound("Event not found")
        }
        return json
    }

    /// `GET /events/{eventId}` (deprecated since r0, still served by Synapse): the same answer as
    /// `/rooms/{roomId}/event/{eventId}` for the event's own room; 404 for an event this server lacks.
    public func event(_ requester: Requester, eventId: String) async throws -> JSONObject {
        guard let stored = try await store.event(id: eventId), let room = try await store.room(nid: stored.roomNid) else {
            throw MatrixError.notFound("Event not found")
        }
        return try await event(requester, roomId: room.roomId, eventId: eventId)
    }

    /// `GET /rooms/{roomId}/messages`.
    public func messages(_ requester: Requester, roomId: String, _ request: MessagesRequest) async throws
        -> MessagesPage
    {
        let room = try await room(roomId)
        let access = try await readAccess(room, requester.userId)
        let visibility = try await servingFilter(room, viewer: requester, access: access)
        var from = try await startPosition(request.from, direction: request.direction, in: room)
        let start = request.from?.description ?? PaginationToken.at(from)
        var to = try await request.to.asyncMap { try await position(of: $0, in: room) }
        // Nothing after a departed user's leave is theirs to see: stop there rather than scan it.
        if let leave = try await departurePosition(access) {
            switch request.direction {
            case .backward: from = min(from, leave)
            case .forward: to = min(to ?? leave, leave)
            }
        }
        let scan = { [from, to] () async throws -> ScannedPage in
            try await TimelineScan.collect(
                limit: request.limit, from: from, direction: request.direction,
                fetch: { cursor, count in
                    try await self.store.timeline(roomNid: room.nid, from: cursor, direction: request.direction, to: to,
                                                  limit: count)
                },
                keep: { try await self.keep($0, room: room, filter: request.filter, visibility: visibility) })
        }
        var page = try await scan()
        // At the start of what we hold of a room joined over federation: ask its servers for earlier history.
        if request.direction == .backward, page.exhausted, page.events.count < request.limit,
            try await backfill(room, limit: request.limit - page.events.count)
        {
            page = try await scan()
        }
        let chunk = try await serve(page.events, room: room, viewer: requester, visibility: visibility)
        var state: [JSONObject]? = nil
        if request.filter?.lazyLoadMembers == true, let first = page.events.first, let snapshot = first.stateAfter {
            let members = try await memberEvents(snapshot: snapshot, of: Set(page.events.map(\.sender)))
            state = members.isEmpty ? nil : try await clientEvents(members, room: room, viewer: requester)
        }
        return MessagesPage(chunk: chunk, start: start, end: page.exhausted ? nil : PaginationToken.at(page.cursor),
                            state: state)
    }

    /// Fetches history from before the first event we hold from the room's other servers; true when any
    /// arrived. Nothing to do in rooms that begin here (the create event is ours) or that no other server
    /// is in.
    func backfill(_ room: RoomRecord, limit: Int) async throws -> Bool {
        guard let remote else { return false }
        let edge = try await store.historyEdge(roomNid: room.nid, count: 1)
        guard let first = edge.events.first, first.type != "m.room.create" else { return false }
        var servers: [String] = []
        for member in try await store.members(roomNid: room.nid, membership: Membership.join.rawValue).keys {
            if let server = matrixIDDomainOf(member), server != serverName, !servers.contains(server) {
                servers.append(server)
            }
        }
        guard !servers.isEmpty else { return false }
        do {
            return try await remote.backfill(roomId: room.roomId, from: [first.eventId], limit: min(max(limit, 10), 100),
                                             servers: servers) > 0
        } catch {
            logger.info("backfill failed", metadata: ["room": "\(room.roomId)", "error": "\(error)"])
            return false
        }
    }

    /// `GET /rooms/{roomId}/context/{eventId}`: `limit` is split between the events before (the lesser
    /// half) and after, as Synapse does; `state` is the state after the last event returned.
    public func context(_ requester: Requester, roomId: String, eventId: String, limit: Int,
                        filter: RoomEventFilter?) async throws -> EventContext {
        let room = try await room(roomId)
        let access = try await readAccess(room, requester.userId)
        let visibility = try await servingFilter(room, viewer: requester, access: access)
        let target = try await visibleEvent(eventId, in: room, visibility: visibility)
        guard let beforeTarget = TimelinePosition.before(target), let afterTarget = TimelinePosition.after(target)
        else { throw MatrixError.notFound("Event not found") }
        let keep: ([StoredEvent]) async throws -> [Bool] = {
            try await self.keep($0, room: room, filter: filter, visibility: visibility)
        }
        let before = try await TimelineScan.collect(
            limit: limit / 2, from: beforeTarget, direction: .backward,
            fetch: { cursor, count in
                try await store.timeline(roomNid: room.nid, from: cursor, direction: .backward, limit: count)
            }, keep: keep)
        var to: TimelinePosition? = nil
        if let leave = try await departurePosition(access), leave >= afterTarget { to = leave }
        let after = try await TimelineScan.collect(
            limit: limit - limit / 2, from: afterTarget, direction: .forward,
            fetch: { [to] cursor, count in
                try await store.timeline(roomNid: room.nid, from: cursor, direction: .forward, to: to, limit: count)
            }, keep: keep)
        let served = try await serve(before.events + [target] + after.events, room: room, viewer: requester,
                                     visibility: visibility)
        let last = after.events.last ?? target
        var state: [JSONObject] = []
        if let snapshot = last.stateAfter {
            let senders = Set((before.events + [target] + after.events).map(\.sender))
            let events = try await stateEvents(snapshot: snapshot, lazyMembers: filter?.lazyLoadMembers == true
                                               ? senders : nil)
            let kept = try await matching(events, room: room, filter: filter)
            state = try await clientEvents(kept, room: room, viewer: requester)
        }
        return EventContext(
            eventsBefore: Array(served[0..<before.events.count]), event: served[before.events.count],
            eventsAfter: Array(served[(before.events.count + 1)...]), start: PaginationToken.at(before.cursor),
            end: PaginationToken.at(after.cursor), state: state)
    }

    /// `GET /rooms/{roomId}/timestamp_to_event`: the closest event at or after (`f`) or at or before
    /// (`b`) `ts` that the requester may see; 404 `M_NOT_FOUND` when there is none.
    public func eventAtTimestamp(_ requester: Requester, roomId: String, ts: Int64, direction: TimelineDirection)
        async throws -> TimestampMatch
    {
        let room = try await room(roomId)
        let access = try await readAccess(room, requester.userId)
        let visibility = try await servingFilter(room, viewer: requester, access: access)
        var resume: (ts: Int64, stream: Int64)? = nil
        var scanned = 0
        let batchSize = 100
        while scanned < TimelineScan.maxScanned {
            let batch = try await store.eventsByTimestamp(roomNid: room.nid, ts: ts, direction: direction,
                                                          resumeAfter: resume, limit: batchSize)
            let decisions = try await visibility.mask(batch)
            if let index = decisions.firstIndex(of: true) {
                return TimestampMatch(eventId: batch[index].eventId, originServerTs: batch[index].originServerTs)
            }
            guard batch.count == batchSize, let last = batch.last, let stream = last.streamPos else { break }
            resume = (last.originServerTs, stream)
            scanned += batch.count
        }
        throw MatrixError.notFound("No event found \(direction == .forward ? "after" : "before") \(ts)")
    }

    // MARK: Shared by the read paths

    /// An accepted event of `room` the filter lets through, or 404 `M_NOT_FOUND`.
    func visibleEvent(_ eventId: String, in room: RoomRecord, visibility: EventVisibilityFilter) async throws
        -> StoredEvent
    {
        guard let event = try await store.event(id: eventId), event.roomNid == room.nid, event.streamPos != nil,
            try await visibility.mask([event]) == [true]
        else { throw MatrixError.notFound("Event not found") }
        return event
    }

    /// Where a page starts: the client's token, else the end of the room going backwards or its start going forwards.
    func startPosition(_ token: PaginationToken?, direction: TimelineDirection, in room: RoomRecord) async throws
        -> TimelinePosition
    {
        if let token { return try await position(of: token, in: room) }
        return direction == .backward ? try await store.latestPosition(roomNid: room.nid) ?? .start : .start
    }

    func position(of token: PaginationToken, in room: RoomRecord) async throws -> TimelinePosition {
        switch token {
        case .topological(let position): return position
        case .stream(let stream): return try await store.position(roomNid: room.nid, atStream: stream)
        }
    }

    /// For a departed reader: the position just after the event that ended their membership.
    func departurePosition(_ access: RoomReadAccess) async throws -> TimelinePosition? {
        guard case .departed(let nid) = access, let event = try await store.event(nid: nid) else { return nil }
        return TimelinePosition.after(event)
    }

    /// Which events pass the filter (cheap, first) and history visibility.
    func keep(_ events: [StoredEvent], room: RoomRecord, filter: RoomEventFilter?,
              visibility: EventVisibilityFilter) async throws -> [Bool] {
        var decisions = Array(repeating: true, count: events.count)
        if let filter {
            let matched = Set(try await matching(events, room: room, filter: filter).map(\.nid))
            decisions = events.map { matched.contains($0.nid) }
        }
        let candidates = zip(events, decisions).compactMap { $1 ? $0 : nil }
        let visible = Set(try await visibility.visible(candidates).map(\.nid))
        return events.map { visible.contains($0.nid) }
    }

    /// The events a filter keeps (type, sender, room, and `contains_url` on the served content).
    func matching(_ events: [StoredEvent], room: RoomRecord, filter: RoomEventFilter?) async throws -> [StoredEvent] {
        guard let filter else { return events }
        let loader = try loader(room)
        var kept: [StoredEvent] = []
        for event in events {
            var hasURL = false
            if filter.containsURL != nil, event.redactedBy == nil {
                hasURL = RoomEventFilter.contentHasURL(try await loader.pdu(event).content)
            }
            if filter.matches(type: event.type, sender: event.sender, roomId: room.roomId, containsURL: hasURL) {
                kept.append(event)
            }
        }
        return kept
    }

    /// The member events of `users` in a snapshot, by user ID order.
    func memberEvents(snapshot: Int64, of users: Set<String>) async throws -> [StoredEvent] {
        let tuples = users.sorted().map { StateTuple(type: "m.room.member", stateKey: $0) }
        let ids = try await store.state(snapshot: snapshot, tuples: tuples)
        let events = try await store.events(ids: Array(ids.values))
        return ids.sorted { $0.key < $1.key }.compactMap { events[$0.value] }
    }

    /// A snapshot's state events in (type, state key) order; with `lazyMembers`, only those users'
    /// member events (Synapse's lazy-loading state filter).
    func stateEvents(snapshot: Int64, lazyMembers: Set<String>? = nil) async throws -> [StoredEvent] {
        var ids = try await store.state(snapshot: snapshot)
        if let lazyMembers {
            ids = ids.filter { $0.key.type != "m.room.member" || lazyMembers.contains($0.key.stateKey) }
        }
        let events = try await store.events(ids: Array(ids.values))
        return ids.sorted { $0.key < $1.key }.compactMap { events[$0.value] }
    }
}
