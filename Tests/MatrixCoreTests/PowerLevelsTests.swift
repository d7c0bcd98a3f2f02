import MatrixCore
import Testing

@Suite struct PowerLevelValueTests {
    /// The "stringy power levels" fragment's examples, and whitespace/sign variants.
    @Test(
        arguments: [
            ("50", 50), (" 50 ", 50), ("+50", 50), ("-50", -50), ("000100", 100), (" 00100 ", 100), (" +100 ", 100),
            (" -100 ", -100), ("\t7\n", 7), ("0", 0), ("-0", 0), ("9223372036854775807", Int64.max),
            ("-9223372036854775808", Int64.min),
        ] as [(String, Int64)])
    func integerStringsBeforeV10(_ text: String, _ expected: Int64) {
        for version in RoomVersion.versions(1...9) {
            #expect(PowerLevel.integer(from: .string(text), in: version) == expected, "v\(version)")
        }
        for version in RoomVersion.versions(10...12) {
            #expect(PowerLevel.integer(from: .string(text), in: version) == nil, "v\(version)")
        }
    }

    @Test(arguments: [
        "", " ", "+", "-", "+-5", "--5", "5 0", "50.0", "5e1", "0x10", "_50", "50_", "5__0", "fifty",
        "9223372036854775808", "-9223372036854775809", "\u{00BD}", "\u{2155}",
    ])
    func malformedIntegerStrings(_ text: String) {
        #expect(PowerLevel.integer(from: .string(text), in: .v1) == nil)
    }

    /// Synapse reads pre-v10 levels with Python's int(), which the auth fixtures show it relies on:
    /// other scripts' decimal digits, `_` between digits, Unicode white space, booleans.
    @Test(arguments: [
        ("5_0", 50), ("\u{FF15}\u{FF10}", 50), ("\u{0663}", 3), ("50\u{00A0}", 50), ("\u{2003}-1_000\u{3000}", -1000),
    ] as [(String, Int64)])
    func pythonIntReadings(_ text: String, _ expected: Int64) {
        #expect(PowerLevel.integer(from: .string(text), in: .v9) == expected)
        #expect(PowerLevel.integer(from: .string(text), in: .v10) == nil)
    }

    /// The "floaty power levels" fragment: exponent first, then truncation; v1-v5 only.
    @Test(arguments: [(50.57, 50), (5.114698E4, 51146), (-1.9, -1), (100.0, 100)] as [(Double, Int64)])
    func floatsBeforeV6(_ number: Double, _ expected: Int64) {
        for version in RoomVersion.versions(1...5) {
            #expect(PowerLevel.integer(from: .double(number), in: version) == expected)
        }
        for version in RoomVersion.versions(6...12) {
            #expect(PowerLevel.integer(from: .double(number), in: version) == nil)
        }
    }

    @Test func outOfRangeAndOtherTypes() {
        #expect(PowerLevel.integer(from: .double(1e300), in: .v1) == nil)
        #expect(PowerLevel.integer(from: .double(.infinity), in: .v1) == nil)
        #expect(PowerLevel.integer(from: .double(.nan), in: .v1) == nil)
        #expect(PowerLevel.integer(from: .bool(true), in: .v1) == 1)
        #expect(PowerLevel.integer(from: .bool(false), in: .v9) == 0)
        #expect(PowerLevel.integer(from: .bool(true), in: .v10) == nil)
        #expect(PowerLevel.integer(from: .null, in: .v1) == nil)
        #expect(PowerLevel.integer(from: .int(-7), in: .v12) == -7)
    }

    @Test func infiniteIsAboveEveryInteger() {
        #expect(PowerLevel.finite(Int64.max) < .infinite)
        #expect(!(PowerLevel.infinite < .infinite))
        #expect(PowerLevel.finite(-1) < 0)
    }
}

@Suite struct PowerLevelsTests {
    private func createEvent(_ version: RoomVersion, content: JSONObject = [:]) -> PDU {
        TestRoom(version: version, createContent: content).create
    }

    @Test(arguments: RoomVersion.versions(1...11))
    func defaultsWithoutAPowerLevelsEvent(_ version: RoomVersion) {
        let levels = PowerLevels(powerLevelsEvent: nil, createEvent: createEvent(version))
        #expect(levels.userLevel(Users.alice) == 100)
        #expect(levels.userLevel(Users.bob) == 0)
        #expect(levels.eventLevel(type: "m.room.name", isState: true) == 50)
        #expect(levels.eventLevel(type: "m.room.message", isState: false) == 0)
        #expect(levels.ban == 50 && levels.kick == 50 && levels.redact == 50 && levels.invite == 0)
        #expect(levels.notificationLevel("room") == 50)
        #expect(levels.canBan(Users.alice, target: Users.bob))
        #expect(!levels.canKick(Users.bob, target: Users.carol))
        #expect(levels.canInvite(Users.bob))
        #expect(!levels.canRedact(Users.bob))
        #expect(levels.canNotify(Users.alice) && !levels.canNotify(Users.bob))
    }

    @Test func v12CreatorsAreInfiniteWithOrWithoutPowerLevels() {
        let create = createEvent(.v12, content: ["additional_creators": [.string(Users.bob)]])
        let none = PowerLevels(powerLevelsEvent: nil, createEvent: create)
        #expect(none.userLevel(Users.alice) == .infinite)
        #expect(none.userLevel(Users.bob) == .infinite)
        #expect(none.userLevel(Users.carol) == 0)
        // Even a (rejected) listing cannot lower a creator.
        let levels = PowerLevels(
            content: ["users": [Users.alice: 10, Users.carol: .int(Int64.max)]],
            creators: RoomCreators(createEvent: create),
            roomVersion: .v12)
        #expect(levels.userLevel(Users.alice) == .infinite)
        #expect(levels.canKick(Users.alice, target: Users.carol))
        #expect(!levels.canKick(Users.carol, target: Users.alice))
        #expect(!levels.canBan(Users.alice, target: Users.bob), "equal creators cannot ban each other")
    }

    @Test func v11CreatorIsTheSender() {
        let create = createEvent(.v11)
        #expect(create.content["creator"] == nil)
        #expect(PowerLevels(powerLevelsEvent: nil, createEvent: create).userLevel(Users.alice) == 100)
        #expect(RoomCreators(createEvent: create).all == [Users.alice])
        // Before v12 additional_creators means nothing.
        let withExtra = createEvent(.v11, content: ["additional_creators": [.string(Users.bob)]])
        #expect(RoomCreators(createEvent: withExtra).all == [Users.alice])
    }

    @Test func contentIsReadWithDefaults() {
        let content: JSONObject = [
            "users": [Users.bob: 50, Users.carol: "75"], "users_default": 5, "events": ["m.room.name": 20],
            "events_default": 1, "state_default": 40, "ban": 60, "kick": 55, "invite": 10, "redact": 30,
            "notifications": ["room": 20],
        ]
        let levels = PowerLevels(
            content: content, creators: RoomCreators(createEvent: createEvent(.v9)), roomVersion: .v9)
        #expect(levels.userLevel(Users.bob) == 50)
        #expect(levels.userLevel(Users.carol) == 75)
        #expect(levels.userLevel(Users.dave) == 5)
        #expect(levels.userLevel(Users.alice) == 5, "with a power levels event the creator is an ordinary user")
        #expect(levels.eventLevel(type: "m.room.name", isState: true) == 20)
        #expect(levels.eventLevel(type: "m.room.topic", isState: true) == 40)
        #expect(levels.eventLevel(type: "m.room.message", isState: false) == 1)
        #expect(levels.canSend(Users.bob, type: "m.room.topic", isState: true))
        #expect(!levels.canSend(Users.dave, type: "m.room.topic", isState: true))
        #expect((levels.ban, levels.kick, levels.invite, levels.redact) == (60, 55, 10, 30))
        #expect(levels.canNotify(Users.dave, key: "room") == false && levels.canNotify(Users.bob))
        #expect(levels.canKick(Users.carol, target: Users.bob) && !levels.canKick(Users.bob, target: Users.carol))
        #expect(!levels.canBan(Users.bob, target: Users.dave))
        // In v10 the string is no level at all, so carol falls back to users_default.
        let v10 = PowerLevels(
            content: content, creators: RoomCreators(createEvent: createEvent(.v10)), roomVersion: .v10)
        #expect(v10.userLevel(Users.carol) == 5)
    }
}
