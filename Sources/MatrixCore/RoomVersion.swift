/// Everything that differs between room versions 1 to 12, in one table that every rule consults
/// (spec: `content/rooms/v1.md` ... `v12.md`). Rules ask for a property, never for a version number.
public struct RoomVersion: Sendable, Hashable, CustomStringConvertible {
    /// How event IDs are made and carried.
    public enum EventIDFormat: Sendable, Hashable {
        /// v1, v2: `$localpart:server`, chosen by the sender and carried in `event_id`.
        case senderChosen
        /// v3: `$` + standard unpadded base64 of the reference hash; not carried in the event.
        case referenceHashStandard
        /// v4+: `$` + URL-safe unpadded base64 of the reference hash.
        case referenceHashURLSafe
    }

    public enum StateResolution: Sendable, Hashable {
        case v1
        case v2
        /// Room version 12's changes to v2 (start from an empty state, conflicted subgraph).
        case v2_1
    }

    /// Which redaction algorithm applies (the variants the appendices and room versions define).
    public enum RedactionRules: Sendable, Hashable {
        /// v1-v5: keeps `m.room.aliases` content, the older key sets.
        case v1
        /// v6-v8: drops the `m.room.aliases` special case.
        case v6
        /// v9-v10: also keeps `join_authorised_via_users_server` of member events.
        case v9
        /// v11+: the updated rules (create keeps all content, `invite` power level, redacts' `redacts`).
        case v11
    }

    public let identifier: String
    public let eventIDFormat: EventIDFormat
    public let stateResolution: StateResolution
    public let redaction: RedactionRules
    /// v5+: signing keys must be valid (`valid_until_ts`) when the event was sent.
    public let enforceKeyValidity: Bool
    /// v1-v5: `m.room.aliases` has its own auth rule.
    public let specialCaseAliasesAuth: Bool
    /// v6+: no floats, integers within ±(2^53 - 1) in events.
    public let strictCanonicalJSON: Bool
    /// v6+: the `notifications` key of power levels is checked by the auth rules.
    public let limitNotificationsPowerLevels: Bool
    /// v7+: the `knock` join rule and membership.
    public let knocking: Bool
    /// v8+: the `restricted` join rule.
    public let restrictedJoins: Bool
    /// v10+: the `knock_restricted` join rule.
    public let knockRestricted: Bool
    /// v10+: power levels must be integers (no numeric strings).
    public let integerPowerLevels: Bool
    /// v11+: the create event has no `creator`; the creator is its `sender`.
    public let implicitRoomCreator: Bool
    /// v12: room creators (create `sender` + `additional_creators`) have infinite power.
    public let privilegedCreators: Bool
    /// v12: the room ID is derived from the create event's reference hash; events carry no `room_id`
    /// in the create event.
    public let roomIDFromCreateEvent: Bool

    public var description: String { identifier }

    /// Whether event IDs are hashes (v3+) rather than carried in the event.
    public var eventIDIsHash: Bool { eventIDFormat != .senderChosen }

    public static let v1 = RoomVersion(
        identifier: "1", eventIDFormat: .senderChosen, stateResolution: .v1, redaction: .v1, enforceKeyValidity: false,
        specialCaseAliasesAuth: true, strictCanonicalJSON: false, limitNotificationsPowerLevels: false,
        knocking: false, restrictedJoins: false, knockRestricted: false, integerPowerLevels: false,
        implicitRoomCreator: false, privilegedCreators: false, roomIDFromCreateEvent: false)
    public static let v2 = v1.with(identifier: "2") { $0.stateResolution = .v2 }
    public static let v3 = v2.with(identifier: "3") { $0.eventIDFormat = .referenceHashStandard }
    public static let v4 = v3.with(identifier: "4") { $0.eventIDFormat = .referenceHashURLSafe }
    public static let v5 = v4.with(identifier: "5") { $0.enforceKeyValidity = true }
    public static let v6 = v5.with(identifier: "6") {
        $0.redaction = .v6
        $0.specialCaseAliasesAuth = false
        $0.strictCanonicalJSON = true
        $0.limitNotificationsPowerLevels = true
    }
    public static let v7 = v6.with(identifier: "7") { $0.knocking = true }
    public static let v8 = v7.with(identifier: "8") { $0.restrictedJoins = true }
    public static let v9 = v8.with(identifier: "9") { $0.redaction = .v9 }
    public static let v10 = v9.with(identifier: "10") {
        $0.knockRestricted = true
        $0.integerPowerLevels = true
    }
    public static let v11 = v10.with(identifier: "11") {
        $0.redaction = .v11
        $0.implicitRoomCreator = true
    }
    public static let v12 = v11.with(identifier: "12") {
        $0.stateResolution = .v2_1
        $0.privilegedCreators = true
        $0.roomIDFromCreateEvent = true
    }

    /// Every stable version this server knows, in order.
    public static let all: [RoomVersion] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12]

    /// The version new rooms get.
    public static let `default` = v12

    public static func named(_ identifier: String) -> RoomVersion? {
        all.first { $0.identifier == identifier }
    }

    /// A copy with some properties changed (each version is its predecessor plus a few changes).
    private func with(identifier: String, _ change: (inout Builder) -> Void) -> RoomVersion {
        var builder = Builder(self)
        change(&builder)
        return builder.build(identifier: identifier)
    }

    private struct Builder {
        var eventIDFormat: EventIDFormat
        var stateResolution: StateResolution
        var redaction: RedactionRules
        var enforceKeyValidity: Bool
        var specialCaseAliasesAuth: Bool
        var strictCanonicalJSON: Bool
        var limitNotificationsPowerLevels: Bool
        var knocking: Bool
        var restrictedJoins: Bool
        var knockRestricted: Bool
        var integerPowerLevels: Bool
        var implicitRoomCreator: Bool
        var privilegedCreators: Bool
        var roomIDFromCreateEvent: Bool

        init(_ v: RoomVersion) {
            eventIDFormat = v.eventIDFormat
            stateResolution = v.stateResolution
            redaction = v.redaction
            enforceKeyValidity = v.enforceKeyValidity
            specialCaseAliasesAuth = v.specialCaseAliasesAuth
            strictCanonicalJSON = v.strictCanonicalJSON
            limitNotificationsPowerLevels = v.limitNotificationsPowerLevels
            knocking = v.knocking
            restrictedJoins = v.restrictedJoins
            knockRestricted = v.knockRestricted
            integerPowerLevels = v.integerPowerLevels
            implicitRoomCreator = v.implicitRoomCreator
            privilegedCreators = v.privilegedCreators
            roomIDFromCreateEvent = v.roomIDFromCreateEvent
        }

        func build(identifier: String) -> RoomVersion {
            RoomVersion(
                identifier: identifier, eventIDFormat: eventIDFormat, stateResolution: stateResolution,
                redaction: redaction, enforceKeyValidity: enforceKeyValidity,
                specialCaseAliasesAuth: specialCaseAliasesAuth, strictCanonicalJSON: strictCanonicalJSON,
                limitNotificationsPowerLevels: limitNotificationsPowerLevels, knocking: knocking,
                restrictedJoins: restrictedJoins, knockRestricted: knockRestricted,
                integerPowerLevels: integerPowerLevels, implicitRoomCreator: implicitRoomCreator,
                privilegedCreators: privilegedCreators, roomIDFromCreateEvent: roomIDFromCreateEvent)
        }
    }
}
