import MatrixCore
import Testing

/// Rule 1 (the create event), v12's room ID rule, the create event's presence, and `m.federate`.
@Suite struct AuthCreateRulesTests {
    private func create(
        _ version: RoomVersion, sender: String = Users.alice, content: JSONObject? = nil,
        extra: JSONObject = [:]
    ) -> PDU {
        var json = TestRoom(version: version, creator: sender).create.json
        if let content { json["content"] = .object(content) }
        for (key, value) in extra { json[key] = value }
        return PDU(eventId: "$c", roomVersion: version, json: json)
    }

    @Test(arguments: RoomVersion.all)
    func aWellFormedCreateIsAllowed(_ version: RoomVersion) {
        expectAllow(AuthRules.check(create(version)) { _ in nil })
    }

    @Test(arguments: RoomVersion.all)
    func prevEventsAreRefused(_ version: RoomVersion) {
        expectReject(
            AuthRules.check(create(version, extra: ["prev_events": ["$x"]])) { _ in nil }, "prev_events", rule: "1.1")
    }

    @Test(arguments: RoomVersion.versions(1...11))
    func theRoomIDMustBeOnTheSendersServer(_ version: RoomVersion) {
        let event = create(version, extra: ["room_id": "!room:elsewhere.example"])
        expectReject(AuthRules.check(event) { _ in nil }, "not on the server", rule: "1.2")
        let noRoom = PDU(eventId: "$c", roomVersion: version, json: create(version).json.filter { $0.key != "room_id" })
        expectReject(AuthRules.check(noRoom) { _ in nil }, "not on the server", rule: "1.2")
    }

    @Test func v12CreateCarriesNoRoomID() {
        expectReject(
            AuthRules.check(create(.v12, extra: ["room_id": "!room:a.example"])) { _ in nil }, "room_id", rule: "1.2")
    }

    @Test(arguments: RoomVersion.all)
    func unknownRoomVersionIsRefused(_ version: RoomVersion) {
        var content = create(version).content
        content["room_version"] = "99"
        expectReject(
            AuthRules.check(create(version, content: content)) { _ in nil }, "not a known version", rule: "1.3")
        content["room_version"] = 12
        expectReject(
            AuthRules.check(create(version, content: content)) { _ in nil }, "not a known version", rule: "1.3")
    }

    @Test(arguments: RoomVersion.all)
    func creatorIsRequiredBeforeV11(_ version: RoomVersion) {
        let event = create(version, content: ["room_version": .string(version.identifier)])
        if version.implicitRoomCreator {
            expectAllow(AuthRules.check(event) { _ in nil })
        } else {
            expectReject(AuthRules.check(event) { _ in nil }, "no creator", rule: "1.4")
        }
    }

    @Test(
        arguments: [
            (JSONValue.string(Users.bob), "not an array"), ([1], "holds a number"), (["bob"], "invalid user ID"),
            ([.string(Users.bob), "@:x"], "invalid user ID"),
        ] as [(JSONValue, String)])
    func v12AdditionalCreatorsAreValidated(_ value: JSONValue, _ phrase: String) {
        let event = create(.v12, content: ["room_version": "12", "additional_creators": value])
        expectReject(AuthRules.check(event) { _ in nil }, phrase, rule: "1.4")
        // v11 ignores the key altogether.
        expectAllow(
            AuthRules.check(create(.v11, content: ["room_version": "11", "additional_creators": value])) { _ in nil })
    }

    @Test func v12AcceptsValidAdditionalCreators() {
        let event = create(.v12, content: ["additional_creators": [.string(Users.bob), "@Old!Style:c.example"]])
        expectAllow(AuthRules.check(event) { _ in nil })
    }

    @Test(arguments: RoomVersion.all)
    func eventsNeedTheCreateEvent(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        let message = room.event("m.room.message", sender: Users.alice)
        let decision = AuthRules.check(message) { $0.type == "m.room.create" ? nil : room.state[$0] }
        expectReject(decision, "m.room.create", rule: version.roomIDFromCreateEvent ? "2" : "2.4")
    }

    @Test func v12RoomIDMustBeTheCreateEventID() {
        var room = TestRoom.standard(.v12)
        #expect(room.roomID == "!create-hash-v12")
        let wrong = room.event("m.room.message", sender: Users.alice, extra: ["room_id": "!other-hash"])
        expectReject(room.check(wrong), "is not that of create event", rule: "2")
        expectAllow(room.check(room.event("m.room.message", sender: Users.alice)))
    }

    @Test(arguments: RoomVersion.all)
    func authEventsMustBeInTheRoom(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        let message = room.event("m.room.message", sender: Users.alice)
        let decision = AuthRules.check(message) { tuple in
            guard tuple.type == "m.room.power_levels", let pl = room.state[tuple] else { return room.state[tuple] }
            var json = pl.json
            json["room_id"] = "!other:a.example"
            return PDU(eventId: pl.eventId, roomVersion: version, json: json)
        }
        expectReject(decision, "belongs to room", rule: version.roomIDFromCreateEvent ? "3.5" : "2.5")
    }

    @Test(arguments: RoomVersion.all)
    func nonFederatingRoomsRefuseOtherServers(_ version: RoomVersion) {
        var room = TestRoom.standard(version, createContent: ["m.federate": false])
        let federate = version.roomIDFromCreateEvent ? "4" : "3"
        expectReject(room.check(room.member(Users.bob, "join")), "does not federate", rule: federate)
        expectAllow(room.check(room.member("@alice2:a.example", "join")))
        var open = TestRoom.standard(version, createContent: ["m.federate": true])
        expectAllow(open.check(open.member(Users.bob, "join")))
    }
}
