import MatrixCore
import MyelinAccounts
import MyelinStorage

/// What a membership endpoint asks for. A kick and an unban are `leave` events about someone else.
public enum MembershipAction: String, Sendable, CaseIterable {
    case join, invite, leave, kick, ban, unban, knock

    public var membership: Membership {
        switch self {
        case .join: .join
        case .invite: .invite
        case .leave, .kick, .unban: .leave
        case .ban: .ban
        case .knock: .knock
        }
    }
}

/// A change of one's own membership that may have started from an alias: the room it resolved to and
/// the member event (an earlier one when nothing changed).
public struct MembershipChange: Sendable, Equatable {
    public let roomId: String
    public let eventId: String
}

/// Joining, inviting, leaving, kicking, banning, knocking and forgetting (client-server API, "Room
/// membership"). Each checks what the caller may do against the current state first, so refusals
/// carry a message a user can read; the pipeline's authorisation rules still decide, as for any event.
///
/// Not yet: rooms this server is not in (joins, knocks and invite rejections over federation), sending
/// invites of remote users to their servers, and third-party invites.
extension RoomService {
    /// Synapse's limits on the profile fields of a member event (characters).
    static let maxDisplayNameLength = 256
    static let maxAvatarURLLength = 1000

    // MARK: Joining and knocking

    /// `POST /join/{roomIdOrAlias}`: `via`/`server_name` name servers to join through for rooms this
    /// server is not in.
    public func join(_ requester: Requester, roomIdOrAlias: String, reason: String?, via: [String] = [])
        async throws -> MembershipChange
    {
        let (roomId, servers) = try await resolveRoomIdOrAliasWithServers(roomIdOrAlias)
        return MembershipChange(roomId: roomId,
                                eventId: try await join(requester, roomId: roomId, reason: reason, via: via + servers))
    }

    /// `POST /rooms/{roomId}/join`. A room this server is not in (or no longer has a member in) is joined
    /// over federation through `via`, the server of an invite, or the room ID's server (before v12).
    @discardableResult
    public func join(_ requester: Requester, roomId: String, reason: String?, via: [String] = []) async throws -> String {
        let room = try await store.room(id: roomId)
        let servers = try await remoteServers(roomId, requester, via: via)
        // Rooms we are in, and our own rooms nobody else is in any more, are joined here.
        if let room, try await hasLocalMember(room) || servers.isEmpty || remote == nil {
            return try await changeMembership(requester, room: room, target: requester.userId, action: .join,
                                              content: Self.reasonContent(reason))
        }
        guard let remote, !servers.isEmpty else {
            throw MatrixError.notFound("Unknown room \(roomId); give a server to join it through with via or server_name")
        }
        if requester.isGuest { throw MatrixError.guestAccessForbidden() }
        let unique = servers
        let content = await withProfile(Self.reasonContent(reason).merging(["membership": "join"]) { _, new in new },
                                        of: requester.userId)
        return try await remote.join(userId: requester.userId, roomId: roomId, servers: unique, content: content)
    }

    func hasLocalMember(_ room: RoomRecord) async throws -> Bool { try await pipeline.hasLocalMember(room) }

    /// `POST /knock/{roomIdOrAlias}` (room versions 7 and later); rooms of other servers through `via`.
    public func knock(_ requester: Requester, roomIdOrAlias: String, reason: String?, via: [String] = [])
        async throws -> MembershipChange
    {
        let (roomId, aliasServers) = try await resolveRoomIdOrAliasWithServers(roomIdOrAlias)
        let servers = try await remoteServers(roomId, requester, via: via + aliasServers)
        if let remote, !servers.isEmpty, try await !isResident(roomId) {
            if requester.isGuest { throw MatrixError.guestAccessForbidden() }
            let eventId = try await remote.knock(
                userId: requester.userId, roomId: roomId, servers: servers,
                content: await withProfile(Self.reasonContent(reason).merging(["membership": "knock"]) { _, new in new },
                                           of: requester.userId))
            return MembershipChange(roomId: roomId, eventId: eventId)
        }
        let eventId = try await changeMembership(
            requester, room: try await room(roomId), target: requester.userId, action: .knock,
            content: Self.reasonContent(reason))
        return MembershipChange(roomId: roomId, eventId: eventId)
    }

    /// Whether this server has a joined member in the room (and so can make its events itself).
    func isResident(_ roomId: String) async throws -> Bool {
        guard let room = try await store.room(id: roomId) else { return false }
        return try await hasLocalMember(room)
    }

    /// Servers to reach a room we are not in through: those given, the sender of our user's invite or the
    /// room our knock went to, then the room ID's server (room versions before 12). Never ourselves; may
    /// be empty.
    func remoteServers(_ roomId: String, _ requester: Requester, via: [String]) async throws -> [String] {
        var servers = via
        if let room = try await store.room(id: roomId),
            let current = try await store.membership(roomNid: room.nid, userId: requester.userId),
            let event = try await store.event(nid: current.eventNid)
        {
            if current.membership == Membership.invite.rawValue, let server = matrixIDDomainOf(event.sender) {
                servers.append(server)
            }
            // Our knock or earlier leave went through the servers of the room's other events; the prev
            // events name none, so the room ID is the remaining hint.
        }
        if let server = matrixIDDomainOf(roomId) { servers.append(server) }
        var unique: [String] = []
        for server in servers where server != serverName && !unique.contains(server) { unique.append(server) }
        return unique
    }

    // MARK: Changing someone's membership

    /// `POST /rooms/{roomId}/invite`. A remote invitee's server countersigns the invite first.
    @discardableResult
    public func invite(_ requester: Requester, roomId: String, userId: String, reason: String?) async throws -> String {
        try await change(requester, roomId: roomId, target: userId, action: .invite, reason: reason)
    }

    /// `POST /rooms/{roomId}/leave`: also turns down an invite or withdraws a knock.
    @discardableResult
    public func leave(_ requester: Requester, roomId: String, reason: String?) async throws -> String {
        let room = try await room(roomId)
        if let remote, try await !hasLocalMember(room) {
            // Turning down an invite or withdrawing a knock in a room we are not in: through its servers,
            // or (an invite whose server is unreachable) locally, as the spec allows.
            let current = try await membership(room, requester.userId)
            guard current == .invite || current == .knock else {
                throw MatrixError.forbidden("You are not in room \(roomId)")
            }
            do {
                let servers = try await remoteServers(roomId, requester, via: [])
                guard !servers.isEmpty else { throw MatrixError.notFound("No server to leave \(roomId) through") }
                return try await remote.leave(
                    userId: requester.userId, roomId: roomId, servers: servers,
                    content: Self.reasonContent(reason).merging(["membership": "leave"]) { _, new in new })
            } catch let error as MatrixError where error.status == 502 || error.status == 404 {
                guard current == .invite else { throw error }
                logger.info("turning down an invite locally: its server cannot be reached",
                            metadata: ["room": "\(roomId)", "error": "\(error)"])
                return try await pipeline.rejectInviteLocally(roomId: roomId, userId: requester.userId)
            }
        }
        return try await changeMembership(requester, room: room, target: requester.userId, action: .leave,
                                          content: Self.reasonContent(reason))
    }

    /// `POST /rooms/{roomId}/kick`: kicking oneself is leaving.
    @discardableResult
    public func kick(_ requester: Requester, roomId: String, userId: String, reason: String?) async throws -> String {
        try await change(requester, roomId: roomId, target: userId,
                         action: userId == requester.userId ? .leave : .kick, reason: reason)
    }

    /// `POST /rooms/{roomId}/ban`.
    @discardableResult
    public func ban(_ requester: Requester, roomId: String, userId: String, reason: String?) async throws -> String {
        try await change(requester, roomId: roomId, target: userId, action: .ban, reason: reason)
    }

    /// `POST /rooms/{roomId}/unban`: the user is left out of the room, free to join again.
    @discardableResult
    public func unban(_ requester: Requester, roomId: String, userId: String, reason: String?) async throws -> String {
        try await change(requester, roomId: roomId, target: userId, action: .unban, reason: reason)
    }

    private func change(_ requester: Requester, roomId: String, target: String, action: MembershipAction,
                        reason: String?) async throws -> String {
        let target = try Self.targetUser(target)
        return try await changeMembership(requester, room: try await room(roomId), target: target, action: action,
                                          content: Self.reasonContent(reason))
    }

    // MARK: Forgetting and listing

    /// `POST /rooms/{roomId}/forget`: only once the user is out of the room (left or banned). A room
    /// this server does not know has nothing to forget, which Synapse answers with success too.
    public func forget(_ requester: Requester, roomId: String) async throws {
        guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
        guard let room = try await store.room(id: roomId) else { return }
        let current = try await membership(room, requester.userId)
        guard current == .leave || current == .ban else {
            throw MatrixError.unknown("User \(requester.userId) is in room \(roomId)")
        }
        try await store.forget(roomNid: room.nid, userId: requester.userId)
    }

    /// `GET /joined_rooms`.
    public func joinedRooms(_ requester: Requester) async throws -> [String] {
        try await store.rooms(of: requester.userId, membership: Membership.join.rawValue)
    }

    // MARK: The state API

    /// `PUT /rooms/{roomId}/state/m.room.member/{userId}`: the same checks as the endpoints, chosen by
    /// `membership`, with the client's whole content (a joined user changing their displayname or
    /// avatar_url sends `join` again).
    func setMembershipState(_ requester: Requester, room: RoomRecord, target: String, content: JSONObject)
        async throws -> String
    {
        guard let raw = content["membership"]?.stringValue, let wanted = Membership(rawValue: raw) else {
            throw MatrixError.badJSON("'membership' must be one of join, invite, leave, ban, knock")
        }
        let target = try Self.targetUser(target)
        let own = target == requester.userId
        let action: MembershipAction
        switch wanted {
        case .join, .knock:
            guard own else { throw MatrixError.forbidden("Only \(target) can set their membership to \(raw)") }
            action = wanted == .join ? .join : .knock
        case .invite:
            action = .invite
        case .ban:
            action = .ban
        case .leave:
            action = own ? .leave : (try await membership(room, target) == .ban ? .unban : .kick)
        }
        return try await changeMembership(requester, room: room, target: target, action: action, content: content)
    }

    // MARK: The checks

    /// Checks `action` by `requester` on `target` against the room's current state, then sends the
    /// member event. Sending the membership already in force (same sender, same content) returns that
    /// event instead of a duplicate, as Synapse does.
    func changeMembership(_ requester: Requester, room: RoomRecord, target: String, action: MembershipAction,
                          content requested: JSONObject) async throws -> String {
        if requester.isGuest, action != .join, action != .leave { throw MatrixError.guestAccessForbidden() }
        var content = try Self.memberContent(requested, membership: action.membership)
        if action == .join || action == .invite || action == .knock {
            content = await withProfile(content, of: target)
        }
        let situation = try await membershipSituation(room, sender: requester.userId, target: target)
        let current = situation.target
        let own = target == requester.userId

        // After a ban, only a new ban, an unban or (refused by the rules) the user's own leave.
        if action == .unban, current != .ban {
            throw MatrixError("M_BAD_STATE", "\(target) is not banned from this room", status: 403)
        }
        if current == .ban, action == .join || action == .invite || action == .knock || action == .kick {
            throw MatrixError.forbidden(own ? "You are banned from this room" : "\(target) is banned from this room")
        }
        // Repeating a change is answered with the event that made it, except a kick: kicking someone who is
        // no longer in the room is refused (403), as the spec asks.
        if action != .kick, let existing = situation.targetEvent, existing.sender == requester.userId,
            existing.content == content
        {
            return existing.eventId
        }

        switch action {
        case .join:
            try await checkJoin(requester.userId, isGuest: requester.isGuest, room: room, situation, content: &content)
        case .knock:
            try Self.checkKnock(situation)
        case .leave:
            guard current == .join || current == .invite || current == .knock else {
                throw MatrixError.forbidden(
                    current == .ban ? "You are banned from this room" : "You are not in room \(room.roomId)")
            }
        case .invite:
            try Self.requireSenderJoined(situation, room)
            if current == .join { throw MatrixError.forbidden("\(target) is already in the room") }
            let levels = situation.powerLevels
            guard levels.canInvite(requester.userId) else {
                throw MatrixError.forbidden(
                    "You need power level \(levels.invite) to invite users; yours is \(levels.userLevel(requester.userId))")
            }
        case .kick:
            guard current == .join || current == .invite || current == .knock else {
                throw MatrixError.forbidden("\(target) is not in the room")
            }
            try Self.requireSenderJoined(situation, room)
            try Self.checkModeration("kick", situation, sender: requester.userId, target: target,
                                     required: situation.powerLevels.kick)
        case .ban:
            try Self.requireSenderJoined(situation, room)
            try Self.checkModeration("ban", situation, sender: requester.userId, target: target,
                                     required: situation.powerLevels.ban)
        case .unban:
            // The rules ask for the ban level and, as for a kick, more power than the target.
            try Self.requireSenderJoined(situation, room)
            try Self.checkModeration("unban", situation, sender: requester.userId, target: target,
                                     required: max(situation.powerLevels.ban, situation.powerLevels.kick))
        }
        if action == .invite, !isLocalUser(target), let remote {
            // The invitee's server must countersign before the invite exists (server-server API, "Inviting to
            // a room"); what it refuses is not stored.
            let stripped = try await inviteRoomState(room)
            return try await pipeline.send(
                roomId: room.roomId,
                LocalEvent(type: "m.room.member", stateKey: target, sender: requester.userId, content: content),
                countersign: { event in try await remote.countersignInvite(event, strippedState: stripped) }
            ).eventId
        }
        return try await send(requester, roomId: room.roomId, type: "m.room.member", stateKey: target,
                              content: content).eventId
    }

    /// The state an invitee's (or knocker's) server shows its user before they join. Since spec v1.16 the
    /// events go whole, as PDUs of the room version (with the create event), so that server can check them;
    /// its clients see them stripped.
    public func inviteRoomState(_ room: RoomRecord) async throws -> [JSONObject] {
        let types = ["m.room.create", "m.room.join_rules", "m.room.name", "m.room.avatar", "m.room.canonical_alias",
                     "m.room.encryption", "m.room.topic"]
        let state = try await currentState(room, types.map { StateTuple(type: $0, stateKey: "") })
        return types.compactMap { state[StateTuple(type: $0, stateKey: "")]?.json }
    }

    /// Joining: guests only where `m.room.guest_access` is `can_join`; the invited and the joined
    /// always (a joined user re-joins to change their profile); else by the join rule.
    func checkJoin(_ userId: String, isGuest: Bool, room: RoomRecord, _ situation: MembershipSituation,
                   content: inout JSONObject) async throws {
        if isGuest, situation.guestAccess?.content["guest_access"]?.stringValue != "can_join" {
            throw MatrixError("M_GUEST_ACCESS_FORBIDDEN", "This room does not let guests join", status: 403)
        }
        if situation.target == .join || situation.target == .invite { return }
        let version = situation.version
        switch situation.joinRule {
        case "public":
            return
        case "invite":
            throw MatrixError.forbidden("You are not invited to this room")
        case "knock" where version.knocking:
            throw MatrixError.forbidden("You are not invited to this room; knock to ask for an invite")
        case "restricted" where version.restrictedJoins, "knock_restricted" where version.knockRestricted:
            content["join_authorised_via_users_server"] = .string(
                try await restrictedJoinAuthoriser(room, userId: userId, situation))
        case let rule:
            throw MatrixError.forbidden("The join rule \"\(rule)\" does not let you join this room")
        }
    }

    static func checkKnock(_ situation: MembershipSituation) throws {
        let version = situation.version
        guard version.knocking else {
            throw MatrixError.forbidden("Rooms of version \(version.identifier) do not support knocking")
        }
        let rule = situation.joinRule
        guard rule == "knock" || (version.knockRestricted && rule == "knock_restricted") else {
            throw MatrixError.forbidden("You are not allowed to knock on this room (its join rule is \"\(rule)\")")
        }
        switch situation.target {
        case .join: throw MatrixError.forbidden("You are already in this room")
        case .invite: throw MatrixError.forbidden("You are already invited to this room")
        default: break
        }
    }

    private static func requireSenderJoined(_ situation: MembershipSituation, _ room: RoomRecord) throws {
        guard situation.sender == .join else { throw MatrixError.forbidden("You are not in room \(room.roomId)") }
    }

    /// A kick, ban or unban needs `required` and more power than the target; the creators of v12
    /// rooms have infinite power, so nobody can do any of these to them.
    private static func checkModeration(_ verb: String, _ situation: MembershipSituation, sender: String,
                                        target: String, required: Int64) throws {
        let levels = situation.powerLevels
        let mine = levels.userLevel(sender)
        let theirs = levels.userLevel(target)
        if mine < .finite(required) {
            throw MatrixError.forbidden("You need power level \(required) to \(verb) users; yours is \(mine)")
        }
        if theirs == .infinite {
            throw MatrixError.forbidden("\(target) created this room; nobody can \(verb) them")
        }
        if theirs >= mine {
            throw MatrixError.forbidden(
                "You cannot \(verb) \(target): their power level (\(theirs)) is not below yours (\(mine))")
        }
    }

    // MARK: Helpers

    /// The room an ID or alias names. Aliases are looked up in this server's table; another server's
    /// alias needs a directory query over federation, which comes later: until then it is not found.
    /// A room ID as it is, or an alias resolved (over federation for other servers' aliases) with the
    /// servers its directory names.
    func resolveRoomIdOrAliasWithServers(_ text: String) async throws -> (String, [String]) {
        guard text.hasPrefix("#") else { return (try await resolveRoomIdOrAlias(text), []) }
        let resolved = try await resolveAlias(text)
        return (resolved.roomId, resolved.servers)
    }

    func resolveRoomIdOrAlias(_ text: String) async throws -> String {
        if text.hasPrefix("!") { return text }
        guard text.hasPrefix("#") else {
            throw MatrixError.invalidParam("\(text) is neither a room ID nor a room alias")
        }
        do {
            _ = try RoomAlias(parsing: text)
        } catch {
            throw MatrixError.invalidParam("Invalid room alias \(text): \(error.description)")
        }
        guard let roomId = try await store.aliases.alias(text)?.roomId else {
            throw MatrixError.notFound("Room alias \(text) not found")
        }
        return roomId
    }

    /// A user ID given by a client: 400 `M_INVALID_PARAM` unless it parses (the historical grammar,
    /// since other servers' users may still have such IDs).
    static func targetUser(_ userId: String) throws -> String {
        do {
            _ = try UserID(parsing: userId)
        } catch {
            throw MatrixError.invalidParam("Invalid user ID \"\(userId)\": \(error.description)")
        }
        return userId
    }

    func isLocalUser(_ userId: String) -> Bool {
        (try? UserID(parsing: userId))?.serverName == serverName
    }

    static func reasonContent(_ reason: String?) -> JSONObject {
        reason.map { ["reason": .string($0)] } ?? [:]
    }

    /// The member event content: the client's, with the membership set, the profile fields checked,
    /// and no `join_authorised_via_users_server` (only a restricted join adds it, chosen here).
    static func memberContent(_ requested: JSONObject, membership: Membership) throws -> JSONObject {
        var content = requested
        content["join_authorised_via_users_server"] = nil
        for (key, limit) in [("displayname", maxDisplayNameLength), ("avatar_url", maxAvatarURLLength)] {
            switch content[key] {
            case nil, .null?:
                break
            case .string(let text)?:
                guard text.count <= limit else { throw MatrixError.badJSON("'\(key)' is longer than \(limit) characters") }
            case let other?:
                throw MatrixError.badJSON("'\(key)' must be a string, not \(other.typeName)")
            }
        }
        content["membership"] = .string(membership.rawValue)
        return content
    }

    /// `content` with the target's displayname and avatar_url where it names none (as Synapse: a client
    /// may still give per-room ones). A failed lookup leaves the content as it is.
    func withProfile(_ content: JSONObject, of userId: String) async -> JSONObject {
        guard let profiles, content["displayname"] == nil || content["avatar_url"] == nil else { return content }
        let profile: MemberProfile?
        do {
            profile = try await profiles.memberProfile(of: userId)
        } catch {
            logger.warning("no profile for a member event", metadata: ["user": "\(userId)", "error": "\(error)"])
            return content
        }
        var content = content
        if content["displayname"] == nil, let name = profile?.displayname { content["displayname"] = .string(name) }
        if content["avatar_url"] == nil, let url = profile?.avatarURL { content["avatar_url"] = .string(url) }
        return content
    }

    func membershipSituation(_ room: RoomRecord, sender: String, target: String) async throws -> MembershipSituation {
        let create = StateTuple(type: "m.room.create", stateKey: "")
        let powerLevels = StateTuple(type: "m.room.power_levels", stateKey: "")
        let joinRules = StateTuple(type: "m.room.join_rules", stateKey: "")
        let guestAccess = StateTuple(type: "m.room.guest_access", stateKey: "")
        let senderMember = StateTuple(type: "m.room.member", stateKey: sender)
        let targetMember = StateTuple(type: "m.room.member", stateKey: target)
        let state = try await currentState(room, [create, powerLevels, joinRules, guestAccess, senderMember, targetMember])
        return MembershipSituation(
            version: try version(of: room),
            powerLevels: PowerLevels(powerLevelsEvent: state[powerLevels], createEvent: state[create]),
            joinRules: state[joinRules], guestAccess: state[guestAccess],
            sender: Membership(memberEvent: state[senderMember]), targetEvent: state[targetMember])
    }
}

/// The current state a membership change is judged against.
struct MembershipSituation: Sendable {
    let version: RoomVersion
    let powerLevels: PowerLevels
    let joinRules: PDU?
    let guestAccess: PDU?
    /// The requester's membership.
    let sender: Membership
    /// The target's member event, if they have one.
    let targetEvent: PDU?

    var target: Membership { Membership(memberEvent: targetEvent) }
    /// As the authorisation rules read it: no join rule means `invite`.
    var joinRule: String { joinRules?.content["join_rule"]?.stringValue ?? "invite" }
}
