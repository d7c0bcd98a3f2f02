/// A typed view of a room's power levels (client-server API, `m.room.power_levels`) for one room
/// version, with the spec's defaults filled in. It also stands for a room that has no power levels
/// event: then, before v12, the creator has 100 and everyone else 0.
///
/// Reading is lenient: a value that is not a power level in this room version falls back to its
/// default, as if absent. Whether a new power levels event is acceptable is the auth rules' business
/// (`AuthRules`), which reject malformed content instead.
public struct PowerLevels: Sendable, Hashable {
    public static let defaultBan: Int64 = 50
    public static let defaultKick: Int64 = 50
    public static let defaultRedact: Int64 = 50
    public static let defaultInvite: Int64 = 0
    public static let defaultStateDefault: Int64 = 50
    public static let defaultEventsDefault: Int64 = 0
    public static let defaultUsersDefault: Int64 = 0
    public static let defaultNotification: Int64 = 50
    /// What the creator has when there is no power levels event (v1-v11).
    public static let creatorLevelWithoutPowerLevels: Int64 = 100

    public let roomVersion: RoomVersion
    /// False when the room has no `m.room.power_levels` event and the defaults apply.
    public let hasPowerLevelsEvent: Bool
    public let creators: RoomCreators?
    public let users: [String: Int64]
    public let usersDefault: Int64
    public let events: [String: Int64]
    public let eventsDefault: Int64
    public let stateDefault: Int64
    public let notifications: [String: Int64]
    public let ban: Int64
    public let kick: Int64
    public let invite: Int64
    public let redact: Int64

    /// - Parameters:
    ///   - content: the power levels event's content, or nil when the room has none.
    ///   - creators: from the create event; nil only when it is unknown (then nobody gets the
    ///     creator's level).
    public init(content: JSONObject?, creators: RoomCreators?, roomVersion: RoomVersion) {
        self.roomVersion = roomVersion
        self.hasPowerLevelsEvent = content != nil
        self.creators = creators
        let content = content ?? [:]
        func level(_ key: String, _ fallback: Int64) -> Int64 {
            content[key].flatMap { PowerLevel.integer(from: $0, in: roomVersion) } ?? fallback
        }
        func levels(_ key: String) -> [String: Int64] {
            guard case .object(let object)? = content[key] else { return [:] }
            return object.compactMapValues { PowerLevel.integer(from: $0, in: roomVersion) }
        }
        users = levels("users")
        usersDefault = level("users_default", Self.defaultUsersDefault)
        events = levels("events")
        eventsDefault = level("events_default", Self.defaultEventsDefault)
        stateDefault = level("state_default", Self.defaultStateDefault)
        notifications = levels("notifications")
        ban = level("ban", Self.defaultBan)
        kick = level("kick", Self.defaultKick)
        invite = level("invite", Self.defaultInvite)
        redact = level("redact", Self.defaultRedact)
    }

    /// The power levels in force given the room's power levels and create events (either may be
    /// missing). The room version is the create event's, else the power levels event's, else v1.
    public init(powerLevelsEvent: PDU?, createEvent: PDU?) {
        let version = createEvent?.roomVersion ?? powerLevelsEvent?.roomVersion ?? .v1
        self.init(
            content: powerLevelsEvent?.content, creators: createEvent.map(RoomCreators.init(createEvent:)),
            roomVersion: version)
    }

    /// A user's level: infinite for v12 room creators; else their `users` entry or `users_default`;
    /// without a power levels event, 100 for the creator before v12 and 0 for everyone else.
    public func userLevel(_ user: String) -> PowerLevel {
        if roomVersion.privilegedCreators, creators?.contains(user) == true { return .infinite }
        if hasPowerLevelsEvent { return .finite(users[user] ?? usersDefault) }
        if !roomVersion.privilegedCreators, let creator = creators?.primary, creator == user {
            return .finite(Self.creatorLevelWithoutPowerLevels)
        }
        return .finite(Self.defaultUsersDefault)
    }

    /// The *required power level* to send an event of `type`: its `events` entry, else
    /// `state_default` for state events and `events_default` for the others.
    public func eventLevel(type: String, isState: Bool) -> Int64 {
        events[type] ?? (isState ? stateDefault : eventsDefault)
    }

    /// The level needed to trigger the notification `key` (`room` is the only one the spec names);
    /// 50 unless set.
    public func notificationLevel(_ key: String) -> Int64 {
        notifications[key] ?? Self.defaultNotification
    }

    public func canSend(_ user: String, type: String, isState: Bool) -> Bool {
        userLevel(user) >= .finite(eventLevel(type: type, isState: isState))
    }

    public func canInvite(_ user: String) -> Bool { userLevel(user) >= .finite(invite) }

    /// Redacting someone else's event; one's own needs only the right to send `m.room.redaction`.
    public func canRedact(_ user: String) -> Bool { userLevel(user) >= .finite(redact) }

    public func canNotify(_ user: String, key: String = "room") -> Bool {
        userLevel(user) >= .finite(notificationLevel(key))
    }

    /// At least the ban level, and above the target (so equal creators cannot ban each other).
    public func canBan(_ sender: String, target: String) -> Bool {
        let level = userLevel(sender)
        return level >= .finite(ban) && userLevel(target) < level
    }

    /// At least the kick level, and above the target.
    public func canKick(_ sender: String, target: String) -> Bool {
        let level = userLevel(sender)
        return level >= .finite(kick) && userLevel(target) < level
    }
}
