import MatrixCore
import MyelinAccounts
import MyelinStorage

/// The published room directory: a room's visibility in it (`/directory/list/room/{roomId}`) and the
/// listing (`/publicRooms`).
extension RoomService {
    /// The most rooms one `/publicRooms` page holds, and the size of a page when the client names none.
    public static let publicRoomsMaxLimit = 500

    /// Whether the room is published; 404 `M_NOT_FOUND` for an unknown room.
    public func isPublished(roomId: String) async throws -> Bool {
        try await room(roomId).directoryPublic
    }

    /// `PUT /directory/list/room/{roomId}`: guests may not (403), the room must exist (404), and the
    /// requester must be a server admin or a member with the power to send `m.room.canonical_alias`
    /// (403), which is Synapse's rule.
    public func setPublished(_ requester: Requester, roomId: String, public isPublic: Bool) async throws {
        guard !requester.isGuest else { throw MatrixError.forbidden("Guests cannot edit the published room list") }
        let room = try await room(roomId)
        guard try await canChangeRoomList(requester, room) else {
            throw MatrixError.forbidden(
                "This server requires you to be a moderator in the room to edit its room list entry")
        }
        try await store.directory.setPublic(roomNid: room.nid, isPublic)
    }

    /// Publishes or unpublishes a room without checking who asks: for `createRoom` (`visibility`) and
    /// room upgrades. 404 for an unknown room.
    public func publishRoom(roomId: String, public isPublic: Bool) async throws {
        try await store.directory.setPublic(roomNid: try await room(roomId).nid, isPublic)
    }

    /// `GET`/`POST /publicRooms` for this server's directory. As Synapse, a published room is listed
    /// while it has joined members and is joinable or peekable (join rule `public`, `knock` or
    /// `knock_restricted`, or world-readable history). Ordered by joined members, most first, then room
    /// ID; `next_batch`/`prev_batch` are positions in that order.
    public func publicRooms(_ query: PublicRoomsQuery) async throws -> PublicRoomsPage {
        guard (query.limit ?? 0) >= 0 else { throw MatrixError.invalidParam("limit must not be negative") }
        let limit = query.limit.flatMap { $0 == 0 ? nil : Int(clamping: $0) }
            .map { min($0, Self.publicRoomsMaxLimit) } ?? Self.publicRoomsMaxLimit
        let cursor = try query.since.map(PublicRoomsCursor.init(token:))
        if query.thirdPartyInstanceId != nil, !query.includeAllNetworks {
            return PublicRoomsPage(chunk: [], nextBatch: nil, prevBatch: nil, totalRoomCountEstimate: 0)
        }
        let term = query.searchTerm.map { $0.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        let types = query.roomTypes.flatMap { $0.isEmpty ? nil : $0 }
        var listed: [RoomSummary] = []
        for published in try await store.directory.publishedRooms() where published.joinedMembers > 0 {
            let summary = try await summary(published.room, joinedMembers: published.joinedMembers)
            guard Self.isListable(summary) else { continue }
            if let term, !summary.matches(searchTerm: term) { continue }
            if let types, !types.contains(summary.roomType) { continue }
            listed.append(summary)
        }
        listed.sort { ($0.joinedMembers, $1.roomId) > ($1.joinedMembers, $0.roomId) }
        return Self.page(listed, limit: limit, cursor: cursor)
    }

    /// A room's summary from its current state.
    func summary(_ room: RoomRecord, joinedMembers: Int? = nil) async throws -> RoomSummary {
        let state = try await currentState(room, RoomSummary.stateTuples)
        let joined: Int
        if let joinedMembers { joined = joinedMembers } else {
            joined = try await store.directory.joinedMemberCount(roomNid: room.nid)
        }
        return RoomSummary(roomId: room.roomId, roomVersion: room.version, state: state, joinedMembers: joined)
    }

    static func isListable(_ summary: RoomSummary) -> Bool {
        ["public", "knock", "knock_restricted"].contains(summary.joinRule) || summary.worldReadable
    }

    /// One page of the sorted list from the cursor, with Synapse's tokens: reading forwards, `prev_batch`
    /// only when a token was given and `next_batch` when more follow; backwards, the other way round.
    static func page(_ sorted: [RoomSummary], limit: Int, cursor: PublicRoomsCursor?) -> PublicRoomsPage {
        let forward = cursor?.forward ?? true
        var results: [RoomSummary]
        var moreToCome: Bool
        if let cursor, !forward {
            let before = sorted.filter(cursor.isAfter)
            moreToCome = before.count > limit
            results = Array(before.suffix(limit))
        } else {
            let after = cursor.map { sorted.filter($0.isBefore) } ?? sorted
            moreToCome = after.count > limit
            results = Array(after.prefix(limit))
        }
        var next: String? = nil
        var previous: String? = nil
        if let first = results.first, let last = results.last {
            let nextToken = PublicRoomsCursor(joinedMembers: last.joinedMembers, roomId: last.roomId, forward: true)
            let previousToken = PublicRoomsCursor(joinedMembers: first.joinedMembers, roomId: first.roomId,
                                                  forward: false)
            if forward {
                if cursor != nil { previous = previousToken.token }
                if moreToCome { next = nextToken.token }
            } else {
                next = nextToken.token
                if moreToCome { previous = previousToken.token }
            }
        }
        return PublicRoomsPage(chunk: results, nextBatch: next, prevBatch: previous,
                               totalRoomCountEstimate: sorted.count)
    }
}
