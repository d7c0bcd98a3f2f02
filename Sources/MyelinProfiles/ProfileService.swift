import Logging
import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

/// Profiles (client-server API, "Profiles"): reading anyone's, changing one's own (or, for admins, anyone
/// local), and carrying displayname and avatar_url changes into the member events of every room the
/// user is joined to.
///
/// Other servers' users are 404 until federation can ask their servers (a profile query).
public final class ProfileService: Sendable {
    /// The spec: "the total profile MUST be under 64 KiB".
    public static let maxProfileBytes = 65_535

    let context: AccountsContext
    let store: ProfileStore
    let rooms: RoomService
    let logger: Logger
    /// Member event updates run one at a time per user, each from the profile as stored when it starts,
    /// so two quick changes cannot leave a room with the older one.
    let propagation = KeyedSerialQueue()
    /// Told of every displayname or avatar_url change.
    /// The "profile changed" hook: presence (which the spec says carries displayname and avatar_url) and
    /// later federation listen here; the member events the change sends are the durable record.
    public let updates = ChangeFeed<ProfileUpdate>()

    public init(context: AccountsContext, store: ProfileStore, rooms: RoomService) {
        self.context = context
        self.store = store
        self.rooms = rooms
        self.logger = context.logger
    }

    var serverName: String { context.settings.serverName }

    // MARK: Reading

    /// `GET /profile/{userId}`: every field that is set. 404 for unknown and deactivated users, and for
    /// users of other servers for now.
    public func profile(of userId: String) async throws -> JSONObject {
        let record = try await activeProfile(userId)
        var profile: JSONObject = [:]
        for field in record.fields {
            if let value = try? JSONParser.parse(field.value) { profile[field.key] = value }
        }
        if let name = record.displayname { profile["displayname"] = .string(name) }
        if let url = record.avatarURL { profile["avatar_url"] = .string(url) }
        return profile
    }

    /// `GET /profile/{userId}/{keyName}`: 404 when the field is not set.
    public func field(_ key: ProfileKey, of userId: String) async throws -> JSONValue {
        let record = try await activeProfile(userId)
        let value: JSONValue?
        switch key {
        case .displayname: value = record.displayname.map(JSONValue.string)
        case .avatarURL: value = record.avatarURL.map(JSONValue.string)
        case .other(let name): value = record.fields.first { $0.key == name }.flatMap { try? JSONParser.parse($0.value) }
        }
        guard let value else { throw MatrixError.notFound("\(userId) has no profile field \(key.name)") }
        return value
    }

    // MARK: Changing

    /// `PUT /profile/{userId}/{keyName}`.
    public func set(_ requester: Requester, userId: String, key: ProfileKey, value: JSONValue) async throws {
        let record = try await changeableProfile(requester, userId: userId, key: key)
        try await apply(try ProfileValueRules.change(key, value), to: record, userId: userId)
    }

    /// `DELETE /profile/{userId}/{keyName}`: removing a field that is not set succeeds.
    public func delete(_ requester: Requester, userId: String, key: ProfileKey) async throws {
        let record = try await changeableProfile(requester, userId: userId, key: key)
        let change: ProfileChange
        switch key {
        case .displayname: change = .displayname(nil)
        case .avatarURL: change = .avatarURL(nil)
        case .other(let name): change = .removeField(key: name)
        }
        try await apply(change, to: record, userId: userId)
    }

    private func apply(_ change: ProfileChange, to record: ProfileRecord, userId: String) async throws {
        switch try await store.update(userNid: record.userNid, change, maxBytes: Self.maxProfileBytes) {
        case .tooLarge:
            throw MatrixError("M_PROFILE_TOO_LARGE", "The profile would be larger than 64 KiB", status: 400)
        case .unchanged:
            return
        case .changed:
            switch change {
            case .displayname, .avatarURL:
                await updateMemberEvents(userId: userId)
            case .field, .removeField:
                return  // Other fields stay out of member events (as Synapse).
            }
        }
    }

    /// Sends a new `join` member event, with the stored displayname and avatar_url and the rest of the
    /// current content kept, into each room the user is joined to where they differ. A room where the
    /// event is refused (or fails) is skipped and logged: the profile change itself has happened.
    /// Runs before the request returns, so the client's next read sees the new member events.
    public func updateMemberEvents(userId: String) async {
        guard let user = try? UserID(parsing: userId), user.serverName == serverName else { return }
        do {
            try await propagation.run(userId) { [self] in
                guard let profile = try await store.memberProfile(localpart: user.localpart) else { return }
                await updates.publish(ProfileUpdate(userId: userId, displayname: profile.displayname,
                                                   avatarURL: profile.avatarURL))
                for roomId in try await rooms.store.rooms(of: userId, membership: Membership.join.rawValue) {
                    await updateMemberEvent(userId: userId, roomId: roomId, profile: profile)
                }
            }
        } catch {
            logger.warning("profile change not carried into rooms", metadata: ["user": "\(userId)", "error": "\(error)"])
        }
    }

    private func updateMemberEvent(userId: String, roomId: String, profile: MemberProfileRecord) async {
        do {
            let room = try await rooms.room(roomId)
            guard let current = try await rooms.currentStateEvent(room, type: "m.room.member", stateKey: userId),
                current.membership == Membership.join.rawValue
            else { return }
            var content = current.content
            content["displayname"] = profile.displayname.map(JSONValue.string)
            content["avatar_url"] = profile.avatarURL.map(JSONValue.string)
            // It vouched for the first join only (and a remote server's signature could not be repeated).
            content["join_authorised_via_users_server"] = nil
            guard content != current.content else { return }
            try await rooms.pipeline.send(roomId: roomId, LocalEvent(
                type: "m.room.member", stateKey: userId, sender: userId, content: content))
        } catch {
            logger.info("profile change not sent to a room",
                        metadata: ["user": "\(userId)", "room": "\(roomId)", "error": "\(error)"])
        }
    }

    // MARK: Who is asked about

    /// The profile of an active local user, else 404 (or 400 for a malformed ID).
    private func activeProfile(_ userId: String) async throws -> ProfileRecord {
        let user = try parseUser(userId)
        guard user.serverName == serverName else {
            throw MatrixError.notFound("Profiles of other servers' users are not available yet")
        }
        guard let record = try await store.profile(localpart: user.localpart), !record.deactivated else {
            throw MatrixError.notFound("Profile not found")
        }
        return record
    }

    /// Only the user themself or a server admin may change a profile; guests only their displayname.
    private func changeableProfile(_ requester: Requester, userId: String, key: ProfileKey) async throws
        -> ProfileRecord
    {
        let user = try parseUser(userId)
        if requester.isGuest, key != .displayname {
            throw MatrixError("M_GUEST_ACCESS_FORBIDDEN", "Guests may only change their displayname", status: 403)
        }
        guard requester.userId == userId || requester.isAdmin else {
            throw MatrixError.forbidden("You cannot change the profile of \(userId)")
        }
        guard user.serverName == serverName else {
            throw MatrixError.invalidParam("\(userId) is not a user of this server")
        }
        guard let record = try await store.profile(localpart: user.localpart), !record.deactivated else {
            throw MatrixError.notFound("Profile not found")
        }
        return record
    }

    private func parseUser(_ userId: String) throws -> UserID {
        do {
            return try UserID(parsing: userId)
        } catch {
            throw MatrixError.invalidParam("Invalid user ID \"\(userId)\": \(error.description)")
        }
    }
}
