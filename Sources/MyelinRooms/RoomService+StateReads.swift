import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Reading room state and membership. Who may read what follows `readAccess`: members read the current
/// state, departed users the state after they left, and anyone the current state of a
/// `world_readable` room.
extension RoomService {
    /// `GET /rooms/{roomId}/state`: every state event, in (type, state key) order.
    public func state(_ requester: Requester, roomId: String) async throws -> [JSONObject] {
        let room = try await room(roomId)
        guard let snapshot = try await stateSnapshot(room, for: try await readAccess(room, requester.userId)) else {
            return []
        }
        return try await clientEvents(try await stateEvents(snapshot: snapshot), room: room, viewer: requester)
    }

    /// `GET /rooms/{roomId}/state/{eventType}/{stateKey}`: the client-format event (the route serves its
    /// content unless asked for the event), 404 `M_NOT_FOUND` when the room has no such state.
    public func stateEvent(_ requester: Requester, roomId: String, type: String, stateKey: String) async throws
        -> JSONObject
    {
        let room = try await room(roomId)
        let tuple = StateTuple(type: type, stateKey: stateKey)
        guard let snapshot = try await stateSnapshot(room, for: try await readAccess(room, requester.userId)),
            let id = try await store.state(snapshot: snapshot, tuples: [tuple])[tuple],
            let event = try await store.event(id: id),
            let json = try await clientEvents([event], room: room, viewer: requester).first
        else { throw MatrixError.notFound("The room has no state \(type) with key '\(stateKey)'") }
        return json
    }

    /// `GET /rooms/{roomId}/members`. `at` reads the state after the last event at that token, which
    /// the requester must be allowed to see (403 otherwise, as Synapse). With both `membership` and
    /// `notMembership`, an event passes when either condition holds, as the spec says.
    public func members(_ requester: Requester, roomId: String, at: PaginationToken? = nil,
                        membership: Membership? = nil, notMembership: Membership? = nil) async throws -> [JSONObject] {
        let room = try await room(roomId)
        let access = try await readAccess(room, requester.userId)
        var snapshot: Int64?
        if let at {
            let position = try await position(of: at, in: room)
            let visibility = try await visibilityFilter(room, userId: requester.userId, access: access)
            guard let event = try await store.lastEvent(roomNid: room.nid, atOrBefore: position),
                try await visibility.mask([event]) == [true]
            else {
                throw MatrixError.forbidden("User \(requester.userId) may not see room \(roomId) at \(at)")
            }
            snapshot = event.stateAfter
        } else {
            snapshot = try await stateSnapshot(room, for: access)
        }
        guard let snapshot else { return [] }
        let ids = try await store.state(snapshot: snapshot, type: "m.room.member")
        let stored = try await store.events(ids: Array(ids.values))
        let loader = try loader(room)
        var events: [StoredEvent] = []
        for (_, id) in ids.sorted(by: { $0.key < $1.key }) {
            guard let event = stored[id] else { continue }
            let current = Membership(memberEvent: try await loader.pdu(event))
            if Self.passes(current, membership: membership, notMembership: notMembership) { events.append(event) }
        }
        return try await clientEvents(events, room: room, viewer: requester)
    }

    static func passes(_ value: Membership, membership: Membership?, notMembership: Membership?) -> Bool {
        switch (membership, notMembership) {
        case (nil, nil): return true
        case (let wanted?, nil): return value == wanted
        case (nil, let unwanted?): return value != unwanted
        case (let wanted?, let unwanted?): return value == wanted || value != unwanted
        }
    }

    /// `GET /rooms/{roomId}/joined_members`: only for current members (403 otherwise), with each
    /// member's display name and avatar from their member event.
    public func joinedMembers(_ requester: Requester, roomId: String) async throws -> [String: JoinedMember] {
        let room = try await room(roomId)
        try await requireJoined(room, requester.userId)
        let members = try await store.members(roomNid: room.nid, membership: Membership.join.rawValue)
        let events = try await store.events(nids: Array(members.values))
        let loader = try loader(room)
        var result: [String: JoinedMember] = [:]
        for (userId, nid) in members {
            // A redacted member event keeps only its membership.
            let event = events[nid].flatMap { $0.redactedBy == nil ? $0 : nil }
            let content = try await event.asyncMap { try await loader.pdu($0).content } ?? [:]
            result[userId] = JoinedMember(displayName: content["displayname"]?.stringValue,
                                          avatarURL: content["avatar_url"]?.stringValue)
        }
        return result
    }
}

/// One entry of `/joined_members`.
public struct JoinedMember: Sendable, Equatable {
    public let displayName: String?
    public let avatarURL: String?

    public var json: JSONObject {
        var json: JSONObject = [:]
        if let displayName { json["display_name"] = .string(displayName) }
        if let avatarURL { json["avatar_url"] = .string(avatarURL) }
        return json
    }
}
