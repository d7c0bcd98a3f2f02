import MatrixCore
import Testing

/// The rules after the member rule: sender membership, required levels, user state keys, and the
/// old special cases for `m.room.aliases` (v1-v5) and `m.room.redaction` (v1-v2).
@Suite struct AuthOtherRulesTests {
    /// The sender-joined rule's number: 6 in v1-v5 and v12, 5 in v6-v11.
    static func senderJoinedRule(_ version: RoomVersion) -> Int {
        version.specialCaseAliasesAuth || version.roomIDFromCreateEvent ? 6 : 5
    }

    @Test(arguments: RoomVersion.all)
    func theSenderMustBeJoined(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        let n = Self.senderJoinedRule(version)
        expectReject(
            room.check(room.event("m.room.message", sender: Users.bob, content: ["body": "hi"])), "not joined",
            rule: "\(n)")
        room.mustSend(room.member(Users.bob, "invite", sender: Users.alice))
        expectReject(room.check(room.event("m.room.message", sender: Users.bob)), "not joined", rule: "\(n)")
        room.mustSend(room.member(Users.bob, "join"))
        expectAllow(room.check(room.event("m.room.message", sender: Users.bob)))
        room.mustSend(room.member(Users.bob, "leave"))
        expectReject(room.check(room.event("m.room.message", sender: Users.bob)), "not joined")
    }

    @Test(arguments: RoomVersion.all)
    func requiredPowerLevels(_ version: RoomVersion) {
        var room = TestRoom.standard(version, powerLevels: ["events": ["m.room.topic": 10, "m.custom": 20]])
        room.join(Users.bob)
        let n = Self.senderJoinedRule(version) + 2
        // State events default to 50, messages to 0, and `events` overrides either.
        expectReject(room.check(room.event("m.room.name", sender: Users.bob, stateKey: "")), "requires", rule: "\(n)")
        expectReject(room.check(room.event("m.room.topic", sender: Users.bob, stateKey: "")), "below the 10")
        expectReject(room.check(room.event("m.custom", sender: Users.bob)), "below the 20")
        expectAllow(room.check(room.event("m.room.message", sender: Users.bob)))
        expectAllow(room.check(room.event("m.room.name", sender: Users.alice, stateKey: "")))
    }

    @Test(arguments: RoomVersion.all)
    func stateKeysNamingAnotherUserAreTheirs(_ version: RoomVersion) {
        var room = TestRoom.standard(version, powerLevels: ["state_default": 0])
        room.join(Users.bob)
        let n = Self.senderJoinedRule(version) + 3
        expectReject(
            room.check(room.event("m.custom", sender: Users.bob, stateKey: Users.carol)), "another user", rule: "\(n)")
        expectAllow(room.check(room.event("m.custom", sender: Users.bob, stateKey: Users.bob)))
        expectAllow(room.check(room.event("m.custom", sender: Users.bob, stateKey: "carol")))
    }

    @Test(arguments: RoomVersion.all)
    func aliasesSpecialCaseUntilV5(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        // bob's server sets its aliases without bob being in the room.
        let own = room.event(
            "m.room.aliases", sender: Users.bob, stateKey: "b.example", content: ["aliases": ["#x:b.example"]])
        let other = room.event("m.room.aliases", sender: Users.bob, stateKey: "a.example", content: ["aliases": []])
        if version.specialCaseAliasesAuth {
            expectAllow(room.check(own))
            expectReject(room.check(other), "not the state_key", rule: "4.2")
            let noKey = room.event("m.room.aliases", sender: Users.bob, content: [:])
            expectReject(room.check(noKey), "no state_key", rule: "4.1")
        } else {
            // From v6 an ordinary state event: the sender must be joined and have the state level.
            expectReject(room.check(own), "not joined")
            room.join(Users.bob)
            expectReject(room.check(room.event("m.room.aliases", sender: Users.bob, stateKey: "b.example")), "requires")
            expectAllow(room.check(room.event("m.room.aliases", sender: Users.alice, stateKey: "b.example")))
        }
    }

    @Test(arguments: RoomVersion.all)
    func redactionsNeedTheRedactLevelOnlyInV1AndV2(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        room.join(Users.bob)
        let otherServer: JSONValue = version.eventIDIsHash ? "$target" : "$target:c.example"
        let sameServer: JSONValue = version.eventIDIsHash ? "$target" : "$target:b.example"
        func redaction(_ redacts: JSONValue) -> PDU {
            version.redaction == .v11
                ? room.event("m.room.redaction", sender: Users.bob, content: ["redacts": redacts])
                : room.event("m.room.redaction", sender: Users.bob, extra: ["redacts": redacts])
        }
        if version.redactionAuthRule {
            expectReject(room.check(redaction(otherServer)), "redact level", rule: "11.3")
            expectAllow(room.check(redaction(sameServer)))
        } else {
            // The redact level is left to "Handling redactions".
            expectAllow(room.check(redaction(otherServer)))
        }
        expectAllow(room.check(room.event("m.room.redaction", sender: Users.alice, extra: ["redacts": otherServer])))
    }
}
