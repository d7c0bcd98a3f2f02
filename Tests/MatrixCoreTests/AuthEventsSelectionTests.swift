import MatrixCore
import Testing

@Suite struct AuthEventsSelectionTests {
    static let create = StateTuple(type: "m.room.create", stateKey: "")
    static let powerLevels = StateTuple(type: "m.room.power_levels", stateKey: "")
    static let joinRules = StateTuple(type: "m.room.join_rules", stateKey: "")
    static func member(_ user: String) -> StateTuple { StateTuple(type: "m.room.member", stateKey: user) }

    @Test(arguments: RoomVersion.all)
    func selectionPerEventKind(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        let base = version.createEventInAuthEvents ? [Self.create] : []
        #expect(AuthRules.authStateTuples(for: room.create) == [])
        #expect(
            AuthRules.authStateTuples(for: room.event("m.room.message", sender: Users.bob))
                == base + [Self.powerLevels, Self.member(Users.bob)])
        #expect(
            AuthRules.authStateTuples(for: room.member(Users.bob, "join"))
                == base + [Self.powerLevels, Self.member(Users.bob), Self.joinRules])
        #expect(
            AuthRules.authStateTuples(for: room.member(Users.bob, "invite", sender: Users.alice))
                == base + [Self.powerLevels, Self.member(Users.alice), Self.member(Users.bob), Self.joinRules])
        #expect(
            AuthRules.authStateTuples(for: room.member(Users.bob, "knock"))
                == base + [Self.powerLevels, Self.member(Users.bob), Self.joinRules])
        #expect(
            AuthRules.authStateTuples(for: room.member(Users.bob, "ban", sender: Users.alice))
                == base + [Self.powerLevels, Self.member(Users.alice), Self.member(Users.bob)])
        let restricted = room.member(
            Users.bob, "join", content: ["join_authorised_via_users_server": .string(Users.carol)])
        let expected =
            base + [Self.powerLevels, Self.member(Users.bob), Self.joinRules]
            + (version.restrictedJoins ? [Self.member(Users.carol)] : [])
        #expect(AuthRules.authStateTuples(for: restricted) == expected)
    }

    @Test(arguments: RoomVersion.all)
    func aCorrectSelectionPasses(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        let event = room.member(Users.bob, "join")
        let authEvents = AuthRules.authStateTuples(for: event).compactMap { room.state[$0] }
        #expect(event.authEvents == authEvents.map(\.eventId))
        expectAllow(AuthRules.checkAuthEventsSelection(event, authEvents: authEvents))
        expectAllow(AuthRules.checkAuthEventsSelection(room.create, authEvents: []))
    }

    /// `event` with its `auth_events` replaced by `events`' IDs.
    static func withAuthEvents(_ event: PDU, _ events: [PDU]) -> PDU {
        var json = event.json
        json["auth_events"] = .array(events.map { .string($0.eventId) })
        return PDU(eventId: event.eventId, roomVersion: event.roomVersion, json: json)
    }

    @Test(arguments: RoomVersion.all)
    func badSelectionsAreRejected(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        let n = version.roomIDFromCreateEvent ? 3 : 2
        let message = room.event("m.room.message", sender: Users.alice)
        let state = room.state
        guard let pl = state[Self.powerLevels], let aliceJoin = state[Self.member(Users.alice)],
            let joinRules = state[Self.joinRules]
        else {
            Issue.record("setup")
            return
        }
        let base = version.createEventInAuthEvents ? [room.create] : []
        func check(_ events: [PDU], isRejected: (PDU) -> Bool = { _ in false }) -> AuthDecision {
            AuthRules.checkAuthEventsSelection(
                Self.withAuthEvents(message, events), authEvents: events, isRejected: isRejected)
        }
        expectAllow(check(base + [pl, aliceJoin]))
        // Two events for one tuple, even the same event twice.
        let olderPL = room.event("m.room.power_levels", sender: Users.alice, stateKey: "", content: [:])
        expectReject(check(base + [pl, olderPL]), "two auth events", rule: "\(n).1")
        expectReject(check(base + [pl, pl]), "two auth events", rule: "\(n).1")
        // Join rules are not selected for a message.
        expectReject(check(base + [pl, joinRules]), "not in the selection", rule: "\(n).2")
        expectReject(
            check(base + [pl, room.event("m.room.message", sender: Users.alice)]), "not a state event", rule: "\(n).2")
        expectReject(check(base + [pl], isRejected: { $0 == pl }), "was rejected", rule: "\(n).3")
        if version.createEventInAuthEvents {
            expectReject(check([pl, aliceJoin]), "no m.room.create", rule: "2.4")
        } else {
            expectReject(check([room.create, pl]), "must not be selected", rule: "3.2")
        }
        var foreign = pl.json
        foreign["room_id"] = "!elsewhere:x.example"
        let foreignPL = PDU(eventId: pl.eventId, roomVersion: version, json: foreign)
        expectReject(check(base + [foreignPL]), "belongs to room", rule: "\(n).5")
        // A listed event the caller could not provide.
        let listed = Self.withAuthEvents(message, base + [pl])
        expectReject(AuthRules.checkAuthEventsSelection(listed, authEvents: base), "not available", rule: "\(n)")
    }
}
