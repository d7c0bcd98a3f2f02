import MatrixCore
import Testing

/// The `m.room.power_levels` rule.
@Suite struct AuthPowerLevelsEventTests {
    /// The rule's number: 10 in v1-v5 and v12, 9 in v6-v11.
    static func plRule(_ version: RoomVersion) -> Int {
        version.specialCaseAliasesAuth || version.roomIDFromCreateEvent ? 10 : 9
    }

    /// Sub-rule numbers shift by 2 from v10 (two type checks) and by 1 more in v12 (creators).
    static func sub(_ version: RoomVersion, _ preV10: Int) -> String {
        let shift =
            preV10 == 1
            ? (version.integerPowerLevels ? 2 : 0)
            : (version.integerPowerLevels ? 2 : 0) + (version.privilegedCreators ? 1 : 0)
        return "\(plRule(version)).\(preV10 + shift)"
    }

    /// A room where bob is a joined moderator at 50 and carol a joined user at 50 too.
    static func room(_ version: RoomVersion, extra: JSONObject = [:]) -> TestRoom {
        var room = TestRoom.standard(version, users: [Users.bob: 50, Users.carol: 50], powerLevels: extra)
        room.join(Users.bob)
        room.join(Users.carol)
        return room
    }

    /// The current content with `change` applied.
    static func content(_ room: TestRoom, _ change: (inout JSONObject) -> Void) -> JSONObject {
        var content = room.state[StateTuple(type: "m.room.power_levels", stateKey: "")]?.content ?? [:]
        change(&content)
        return content
    }

    static func powerLevels(
        _ room: inout TestRoom, sender: String, _ change: (inout JSONObject) -> Void
    ) -> PDU {
        let content = content(room, change)
        return room.event("m.room.power_levels", sender: sender, stateKey: "", content: content)
    }

    static func setUser(_ content: inout JSONObject, _ user: String, _ level: JSONValue?) {
        var users = content["users"]?.objectValue ?? [:]
        users[user] = level
        content["users"] = .object(users)
    }

    @Test(arguments: RoomVersion.all)
    func escalationIsRefused(_ version: RoomVersion) {
        var room = Self.room(version, extra: ["state_default": 50])
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { Self.setUser(&$0, Users.bob, 100) }), "above",
            rule: Self.sub(version, 7))
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { Self.setUser(&$0, Users.dave, 51) }), "above",
            rule: Self.sub(version, 7))
        // Up to one's own level is fine.
        expectAllow(room.check(Self.powerLevels(&room, sender: Users.bob) { Self.setUser(&$0, Users.dave, 50) }))
        // Another user at one's own level cannot be demoted; oneself can.
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { Self.setUser(&$0, Users.carol, 0) }), "not below",
            rule: Self.sub(version, 6))
        expectAllow(room.check(Self.powerLevels(&room, sender: Users.bob) { Self.setUser(&$0, Users.bob, 10) }))
        // Top-level levels: neither from nor to above one's own.
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { $0["ban"] = 80 }), "ban would be 80",
            rule: Self.sub(version, 3))
        expectAllow(room.check(Self.powerLevels(&room, sender: Users.bob) { $0["ban"] = 40 }))
        expectAllow(room.check(Self.powerLevels(&room, sender: Users.bob) { $0["users_default"] = 50 }))
        // Events: neither adding nor changing an entry above one's level.
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { $0["events"] = ["m.room.name": 75] }),
            "events.m.room.name", rule: Self.sub(version, 5))
        expectAllow(room.check(Self.powerLevels(&room, sender: Users.bob) { $0["events"] = ["m.room.name": 25] }))
    }

    @Test(arguments: RoomVersion.all)
    func levelsAboveTheSenderCannotBeTouched(_ version: RoomVersion) {
        var room = Self.room(version, extra: ["kick": 75, "events": ["m.room.tombstone": 100]])
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { $0["kick"] = 50 }), "kick was 75",
            rule: Self.sub(version, 3))
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { $0["kick"] = nil }), "kick was 75",
            rule: Self.sub(version, 3))
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.bob) { $0["events"] = [:] }), "was 100",
            rule: Self.sub(version, 4))
        // The creator (alice: 100, or infinite in v12) may do all of it.
        expectAllow(
            room.check(
                Self.powerLevels(&room, sender: Users.alice) {
                    $0["kick"] = 50
                    $0["events"] = [:]
                }))
    }

    @Test(arguments: RoomVersion.all)
    func notificationsAreLimitedFromV6(_ version: RoomVersion) {
        var room = Self.room(version, extra: ["notifications": ["room": 80]])
        let lower = Self.powerLevels(&room, sender: Users.bob) { $0["notifications"] = ["room": 20] }
        let raise = Self.powerLevels(&room, sender: Users.bob) { $0["notifications"] = ["room": 80, "custom": 90] }
        if version.limitNotificationsPowerLevels {
            expectReject(room.check(lower), "notifications.room was 80", rule: Self.sub(version, 4))
            expectReject(room.check(raise), "notifications.custom would be 90", rule: Self.sub(version, 5))
        } else {
            expectAllow(room.check(lower))
            expectAllow(room.check(raise))
        }
    }

    @Test(arguments: RoomVersion.all, ["50", " 50 ", "+50", "050"])
    func stringLevelsOnlyBeforeV10(_ version: RoomVersion, _ text: String) {
        var room = Self.room(version)
        let event = Self.powerLevels(&room, sender: Users.alice) { Self.setUser(&$0, Users.dave, .string(text)) }
        if version.integerPowerLevels {
            expectReject(room.check(event), "not an integer", rule: "\(Self.plRule(version)).3")
            return
        }
        room.mustSend(event)
        // The string level counts: dave at 50 may kick a user at 0.
        room.join(Users.dave)
        room.join("@eve:e.example")
        expectAllow(room.check(room.member("@eve:e.example", "leave", sender: Users.dave)))
        // Rewriting "50" as 50 is no change, so even someone at 50 may do it.
        expectAllow(room.check(Self.powerLevels(&room, sender: Users.bob) { Self.setUser(&$0, Users.dave, 50) }))
    }

    @Test(arguments: RoomVersion.versions(10...12))
    func v10RequiresIntegersEverywhere(_ version: RoomVersion) {
        var room = Self.room(version)
        let n = Self.plRule(version)
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { $0["ban"] = "50" }), "ban is a string",
            rule: "\(n).1")
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { $0["state_default"] = .null }), "not an integer",
            rule: "\(n).1")
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { $0["events"] = ["m.room.name": "50"] }), "events",
            rule: "\(n).2")
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { $0["notifications"] = 50 }), "notifications",
            rule: "\(n).2")
    }

    @Test(arguments: RoomVersion.versions(1...9))
    func stringTopLevelValuesAreLevelsBeforeV10(_ version: RoomVersion) {
        var room = Self.room(version)
        room.mustSend(Self.powerLevels(&room, sender: Users.alice) { $0["kick"] = " 75" })
        // kick is now 75, above bob.
        expectReject(room.check(room.member(Users.carol, "leave", sender: Users.bob)), "cannot kick")
        expectReject(room.check(Self.powerLevels(&room, sender: Users.bob) { $0["kick"] = 10 }), "kick was 75")
    }

    @Test(arguments: RoomVersion.all)
    func floatsOnlyBeforeV6(_ version: RoomVersion) {
        var room = Self.room(version)
        let event = Self.powerLevels(&room, sender: Users.alice) { Self.setUser(&$0, Users.dave, .double(50.57)) }
        if version.floatPowerLevels {
            expectAllow(room.check(event))
        } else {
            expectReject(room.check(event), "not an integer")
        }
    }

    @Test(arguments: RoomVersion.all)
    func usersMustBeUserIDs(_ version: RoomVersion) {
        var room = Self.room(version)
        let n = Self.plRule(version)
        let first = version.integerPowerLevels ? 3 : 1
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { Self.setUser(&$0, "bob", 10) }),
            "invalid user ID", rule: "\(n).\(first)")
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { $0["users"] = [10] }), "not an object",
            rule: "\(n).\(first)")
        // A boolean is a level before v10 (Python's int(True) is 1, and Synapse reads levels so).
        let boolean = room.check(Self.powerLevels(&room, sender: Users.alice) { Self.setUser(&$0, Users.dave, true) })
        if version.integerPowerLevels {
            expectReject(boolean, "not an integer")
        } else {
            expectAllow(boolean)
        }
    }

    @Test(arguments: RoomVersion.all)
    func theFirstPowerLevelsEventIsFree(_ version: RoomVersion) {
        var room = TestRoom(version: version)
        room.mustSend(room.member(Users.alice, "join", prevEvents: [room.create.eventId]))
        let first = room.event(
            "m.room.power_levels", sender: Users.alice, stateKey: "",
            content: [
                "users": [Users.bob: 1_000_000], "ban": 1_000_000, "events": ["m.room.name": 9000],
            ])
        expectAllow(room.check(first))
    }

    @Test func v12CreatorsCannotBeListed() {
        var room = TestRoom.standard(.v12, createContent: ["additional_creators": [.string(Users.bob)]])
        room.join(Users.bob)
        let rule = "10.4"
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { Self.setUser(&$0, Users.alice, 100) }),
            "room creator", rule: rule)
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.alice) { Self.setUser(&$0, Users.bob, 100) }),
            "room creator", rule: rule)
        // Before v12 the creator is listed as usual.
        var v11 = TestRoom.standard(.v11)
        expectAllow(v11.check(Self.powerLevels(&v11, sender: Users.alice) { Self.setUser(&$0, Users.alice, 99) }))
    }

    @Test func v12CreatorsBeatAnyPowerLevel() {
        var room = TestRoom.standard(
            .v12, users: [Users.carol: .int(9_007_199_254_740_991)],
            powerLevels: ["events": ["m.room.name": .int(9_007_199_254_740_991)], "kick": .int(9_007_199_254_740_991)],
            createContent: ["additional_creators": [.string(Users.bob)]])
        room.join(Users.bob)
        room.join(Users.carol)
        // bob, an additional creator at no listed level, outranks carol at the maximum.
        expectAllow(room.check(room.member(Users.carol, "leave", sender: Users.bob)))
        expectReject(room.check(room.member(Users.bob, "leave", sender: Users.carol)), "cannot kick")
        expectAllow(room.check(room.event("m.room.name", sender: Users.bob, stateKey: "", content: ["name": "x"])))
        expectAllow(room.check(Self.powerLevels(&room, sender: Users.bob) { Self.setUser(&$0, Users.carol, 0) }))
        // carol, at the highest integer, still cannot reach a creator.
        expectReject(
            room.check(Self.powerLevels(&room, sender: Users.carol) { Self.setUser(&$0, Users.bob, 0) }), "room creator"
        )
        // Creators cannot kick or ban each other: neither is below the other.
        expectReject(room.check(room.member(Users.alice, "ban", sender: Users.bob)), "cannot ban")
    }
}
