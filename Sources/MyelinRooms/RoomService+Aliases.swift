import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Where an alias points: the room and the servers that can help join it (ours first).
public struct ResolvedAlias: Sendable, Equatable {
    public let roomId: String
    public let servers: [String]

    public init(roomId: String, servers: [String]) {
        self.roomId = roomId
        self.servers = servers
    }
}

/// Room aliases (`/directory/room/{roomAlias}`, `/rooms/{roomId}/aliases`) and the check that an
/// `m.room.canonical_alias` event names only aliases that point to its room.
extension RoomService {
    /// An alias from a request: 400 `M_INVALID_PARAM` when it is not a valid room alias.
    public static func parseAlias(_ text: String) throws -> RoomAlias {
        do {
            return try RoomAlias(parsing: text)
        } catch {
            throw MatrixError.invalidParam("Room alias invalid: \(error.description)")
        }
    }

    /// Maps a new alias on this server to a room (`PUT /directory/room/{roomAlias}`, and `createRoom`'s
    /// `room_alias_name`, which passes `checkMembership: false` because the creator joins just after).
    /// As Synapse: the room must exist (400), the requester must be in it unless an admin (403), the
    /// alias must be ours and without white space (400), and free (409 `M_UNKNOWN`).
    public func createAlias(_ requester: Requester, alias text: String, roomId: String,
                            checkMembership: Bool = true) async throws {
        let alias = try checkNewAlias(text)
        guard let room = try await store.room(id: roomId) else { throw MatrixError.unknown("Room does not exist") }
        if checkMembership, !requester.isAdmin {
            guard try await membership(room, requester.userId) == .join else {
                throw MatrixError.forbidden("You must be in the room to create an alias for it")
            }
        }
        guard try await store.aliases.create(alias: alias.description, roomNid: room.nid, creator: requester.userId)
        else { throw MatrixError("M_UNKNOWN", "Room alias \(alias) already exists", status: 409) }
    }

    /// For `createRoom` before it creates anything: 400 `M_ROOM_IN_USE` when the alias is taken (as
    /// Synapse), and the alias checks of `createAlias`.
    public func requireAliasAvailable(_ text: String) async throws {
        let alias = try checkNewAlias(text)
        if try await store.aliases.alias(alias.description) != nil {
            throw MatrixError("M_ROOM_IN_USE", "Room alias already taken", status: 400)
        }
    }

    /// `GET /directory/room/{roomAlias}`: 404 `M_NOT_FOUND` for an alias we do not hold. Aliases of
    /// other servers are asked of their server over federation.
    public func resolveAlias(_ text: String) async throws -> ResolvedAlias {
        let alias = try Self.parseAlias(text)
        if alias.serverName != serverName, let remote { return try await remote.resolveAlias(alias.description) }
        return try await resolveLocalAlias(alias.description)
    }

    /// An alias of ours (`/query/directory` from other servers asks only these).
    public func resolveLocalAlias(_ text: String) async throws -> ResolvedAlias {
        let alias = try Self.parseAlias(text)
        guard alias.serverName == serverName, let record = try await store.aliases.alias(alias.description) else {
            throw MatrixError.notFound("Room alias \(alias) not found")
        }
        return ResolvedAlias(roomId: record.roomId, servers: try await joinedServers(roomNid: record.roomNid))
    }

    /// `DELETE /directory/room/{roomAlias}`: the alias's creator, a server admin, or a member with the
    /// power to send `m.room.canonical_alias` may delete it (Synapse's rule). The alias is then taken
    /// out of the room's canonical alias event if it is there; failing that (no power) still deletes,
    /// as the spec recommends.
    public func deleteAlias(_ requester: Requester, alias text: String) async throws {
        let alias = try Self.parseAlias(text)
        guard let record = try await store.aliases.alias(alias.description) else {
            throw MatrixError.notFound("Room alias \(alias) not found")
        }
        if record.creator != requester.userId {
            guard let room = try await store.room(nid: record.roomNid),
                try await canChangeRoomList(requester, room)
            else { throw MatrixError.forbidden("You don't have permission to delete the alias") }
        }
        guard try await store.aliases.delete(alias: alias.description) else {
            throw MatrixError.notFound("Room alias \(alias) not found")
        }
        do {
            try await removeFromCanonicalAlias(requester, roomId: record.roomId, alias: alias.description)
        } catch let error as MatrixError where error.status == 403 {
            logger.info("alias deleted but the canonical alias event was left as it was",
                        metadata: ["alias": "\(alias)", "reason": "\(error.message)"])
        }
    }

    /// `GET /rooms/{roomId}/aliases`: members, anyone when the room is world-readable, and admins
    /// (as Synapse) see the local aliases; others get 403 `M_FORBIDDEN`, unknown rooms included.
    public func localAliases(_ requester: Requester, roomId: String) async throws -> [String] {
        guard let room = try await store.room(id: roomId) else {
            if requester.isAdmin { return [] }
            throw MatrixError.forbidden("User \(requester.userId) is not in room \(roomId)")
        }
        if !requester.isAdmin, try await membership(room, requester.userId) != .join {
            let visibility = try await currentStateEvent(room, type: "m.room.history_visibility")
            guard HistoryVisibility(content: visibility?.content) == .worldReadable else {
                throw MatrixError.forbidden("User \(requester.userId) is not in room \(roomId)")
            }
        }
        return try await store.aliases.aliases(roomNid: room.nid)
    }

    /// The spec's checks on `m.room.canonical_alias` content a local user sends: every alias it adds must
    /// be valid (400 `M_INVALID_PARAM`) and, when it is one of ours, exist and point to this room (400
    /// `M_BAD_ALIAS`). Aliases of other servers would need a federation query; they are let through.
    func validateCanonicalAlias(_ room: RoomRecord, content: JSONObject) async throws {
        let previous = try await currentStateEvent(room, type: "m.room.canonical_alias")?.content
        let added = try CanonicalAliasContent.validate(content: content, previous: previous).added
        for text in added {
            let alias = try Self.parseAlias(text)
            guard alias.serverName == serverName else { continue }
            guard let record = try await store.aliases.alias(alias.description), record.roomNid == room.nid else {
                throw MatrixError("M_BAD_ALIAS", "Room alias \(alias) does not point to the room", status: 400)
            }
        }
    }

    // MARK: Helpers

    /// Synapse's test for editing a room's directory entries: a server admin, or a member (403
    /// otherwise) with the power to send `m.room.canonical_alias`.
    func canChangeRoomList(_ requester: Requester, _ room: RoomRecord) async throws -> Bool {
        if requester.isAdmin { return true }
        try await requireJoined(room, requester.userId)
        return try await powerLevels(room).canSend(requester.userId, type: "m.room.canonical_alias", isState: true)
    }

    /// A new alias must be valid, without white space (as Synapse) and on this server.
    private func checkNewAlias(_ text: String) throws -> RoomAlias {
        let alias = try Self.parseAlias(text)
        if alias.localpart.contains(where: \.isWhitespace) {
            throw MatrixError.unknown("Invalid characters in room alias")
        }
        guard alias.serverName == serverName else { throw MatrixError.unknown("Room alias must be local") }
        return alias
    }

    /// This server, then the other servers with joined members.
    private func joinedServers(roomNid: Int64) async throws -> [String] {
        var servers = [serverName]
        for user in try await store.members(roomNid: roomNid, membership: "join").keys.sorted() {
            guard let server = try? UserID(parsing: user).serverName, !servers.contains(server) else { continue }
            servers.append(server)
        }
        return servers
    }

    /// Takes a deleted alias out of the room's `m.room.canonical_alias` event, sent as the requester.
    private func removeFromCanonicalAlias(_ requester: Requester, roomId: String, alias: String) async throws {
        let room = try await room(roomId)
        guard let event = try await currentStateEvent(room, type: "m.room.canonical_alias") else { return }
        var content = event.content
        var changed = false
        if content["alias"]?.stringValue == alias {
            content.removeValue(forKey: "alias")
            changed = true
        }
        if case .array(let alternatives)? = content["alt_aliases"], alternatives.contains(.string(alias)) {
            let kept = alternatives.filter { $0 != .string(alias) }
            if kept.isEmpty { content.removeValue(forKey: "alt_aliases") } else { content["alt_aliases"] = .array(kept) }
            changed = true
        }
        guard changed else { return }
        try await send(requester, roomId: roomId, type: "m.room.canonical_alias", stateKey: "", content: content)
    }
}
