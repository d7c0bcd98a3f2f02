import MatrixCore
import Testing

/// The `m.room.member` rule: joins, invites, leaves, kicks, bans, knocks, restricted joins.
@Suite struct AuthMembershipTests {
    /// The member rule's number: 5 with the aliases rule (v1-v5) or the room ID rule (v12), else 4.
    static func memberRule(_ version: RoomVersion) -> Int {
        version.specialCaseAliasesAuth || version.roomIDFromCreateEvent ? 5 : 4
    }

    /// "rule M.S" where S is the sub-rule for `membership` in this version.
    static func rule(_ version: RoomVersion, _ membership: String, _ sub: Int? = nil) -> String {
        let join = version.restrictedJoins ? 3 : 2
        let offset = ["join": 0, "invite": 1, "leave": 2, "ban": 3, "knock": 4][membership] ?? 0
        return "\(memberRule(version)).\(join + offset)" + (sub.map { ".\($0)" } ?? "")
    }

    @Test(arguments: RoomVersion.all)
    func theCreatorJoinsFirst(_ version: RoomVersion) {
        var room = TestRoom(version: version)
        // Anyone but the creator, or a join that does not follow the create event directly, is refused.
        expectReject(room.check(room.member(Users.bob, "join", prevEvents: [room.create.eventId])), "invite")
        expectReject(room.check(room.member(Users.alice, "join", prevEvents: ["$other"])), "invite")
        expectAllow(room.check(room.member(Users.alice, "join", prevEvents: [room.create.eventId])))
    }

    @Test(arguments: RoomVersion.all)
    func joinAPublicRoom(_ version: RoomVersion) {
        var room = TestRoom.standard(version, joinRule: "public")
        expectAllow(room.check(room.member(Users.bob, "join")))
        expectReject(
            room.check(room.member(Users.bob, "join", sender: Users.carol)), "cannot join",
            rule: Self.rule(version, "join", 2))
    }

    @Test(arguments: RoomVersion.all)
    func joinAnInviteOnlyRoomNeedsAnInvite(_ version: RoomVersion) {
        var room = TestRoom.standard(version, joinRule: "invite")
        expectReject(room.check(room.member(Users.bob, "join")), "not invited", rule: Self.rule(version, "join", 4))
        room.mustSend(room.member(Users.bob, "invite", sender: Users.alice))
        expectAllow(room.check(room.member(Users.bob, "join")))
    }

    @Test(arguments: RoomVersion.all)
    func withoutJoinRulesTheRoomIsInviteOnly(_ version: RoomVersion) {
        var room = TestRoom(version: version)
        room.mustSend(room.member(Users.alice, "join", prevEvents: [room.create.eventId]))
        expectReject(room.check(room.member(Users.bob, "join")), "not invited")
        room.mustSend(room.member(Users.bob, "invite", sender: Users.alice))
        expectAllow(room.check(room.member(Users.bob, "join")))
    }

    @Test(arguments: RoomVersion.all)
    func privateAndUnknownJoinRulesRefuseJoins(_ version: RoomVersion) {
        for joinRule in ["private", "nonsense"] {
            var room = TestRoom.standard(version, joinRule: joinRule)
            let otherwise = version.restrictedJoins ? 7 : 6
            expectReject(
                room.check(room.member(Users.bob, "join")), "does not let", rule: Self.rule(version, "join", otherwise))
        }
    }

    @Test(arguments: RoomVersion.all)
    func banBeatsJoin(_ version: RoomVersion) {
        var room = TestRoom.standard(version, joinRule: "public")
        room.mustSend(room.member(Users.bob, "ban", sender: Users.alice))
        expectReject(room.check(room.member(Users.bob, "join")), "banned", rule: Self.rule(version, "join", 3))
        // Not even an invite gets a banned user in.
        expectReject(
            room.check(room.member(Users.bob, "invite", sender: Users.alice)), "already ban",
            rule: Self.rule(version, "invite", 3))
    }

    @Test(arguments: RoomVersion.all)
    func invites(_ version: RoomVersion) {
        var room = TestRoom.standard(version, joinRule: "invite", powerLevels: ["invite": 50])
        room.join(Users.carol)
        expectReject(
            room.check(room.member(Users.bob, "invite", sender: Users.carol)), "below the invite level",
            rule: Self.rule(version, "invite", 5))
        expectReject(
            room.check(room.member(Users.carol, "invite", sender: Users.alice)), "already join",
            rule: Self.rule(version, "invite", 3))
        expectReject(
            room.check(room.member(Users.carol, "invite", sender: Users.dave)), "not joined",
            rule: Self.rule(version, "invite", 2))
        expectAllow(room.check(room.member(Users.bob, "invite", sender: Users.alice)))
    }

    @Test(arguments: RoomVersion.all)
    func leaving(_ version: RoomVersion) {
        var room = TestRoom.standard(version, joinRule: "invite")
        expectReject(
            room.check(room.member(Users.bob, "leave")), "cannot leave from leave", rule: Self.rule(version, "leave", 1)
        )
        room.mustSend(room.member(Users.bob, "invite", sender: Users.alice))
        expectAllow(room.check(room.member(Users.bob, "leave")))  // rejecting the invite
        room.mustSend(room.member(Users.bob, "join"))
        expectAllow(room.check(room.member(Users.bob, "leave")))
    }

    @Test(arguments: RoomVersion.all)
    func kickNeedsPower(_ version: RoomVersion) {
        var room = TestRoom.standard(version, users: [Users.dave: 50])
        room.join(Users.bob)
        room.join(Users.carol)
        room.join(Users.dave)
        expectReject(
            room.check(room.member(Users.carol, "leave", sender: Users.bob)), "cannot kick",
            rule: Self.rule(version, "leave", 5))
        expectAllow(room.check(room.member(Users.carol, "leave", sender: Users.dave)))
        // Not a user at one's own level or above.
        expectReject(room.check(room.member(Users.alice, "leave", sender: Users.dave)), "cannot kick")
        expectAllow(room.check(room.member(Users.dave, "leave", sender: Users.alice)))
        expectReject(
            room.check(room.member(Users.carol, "leave", sender: "@eve:e.example")), "not joined",
            rule: Self.rule(version, "leave", 2))
    }

    @Test(arguments: RoomVersion.all)
    func banAndUnban(_ version: RoomVersion) {
        var room = TestRoom.standard(version, users: [Users.dave: 50], powerLevels: ["kick": 10, "ban": 60])
        room.join(Users.bob)
        room.join(Users.dave)
        expectReject(
            room.check(room.member(Users.bob, "ban", sender: Users.dave)), "cannot ban",
            rule: Self.rule(version, "ban", 3))
        expectReject(
            room.check(room.member(Users.bob, "ban", sender: Users.carol)), "not joined",
            rule: Self.rule(version, "ban", 1))
        room.mustSend(room.member(Users.bob, "ban", sender: Users.alice))
        // Unbanning needs the ban level, not just the kick level.
        expectReject(
            room.check(room.member(Users.bob, "leave", sender: Users.dave)), "needed to unban",
            rule: Self.rule(version, "leave", 3))
        expectAllow(room.check(room.member(Users.bob, "leave", sender: Users.alice)))
        expectReject(room.check(room.member(Users.bob, "leave")), "cannot leave from ban")
    }

    @Test(arguments: RoomVersion.all)
    func knockOnlyFromV7(_ version: RoomVersion) {
        var room = TestRoom.standard(version, joinRule: "knock")
        let knock = room.member(Users.bob, "knock")
        guard version.knocking else {
            expectReject(room.check(knock), "unknown membership", rule: "\(Self.memberRule(version)).6")
            // Without knocking, `knock` is just an unknown join rule.
            room.mustSend(room.member(Users.bob, "invite", sender: Users.alice))
            expectReject(room.check(room.member(Users.bob, "join")), "does not let")
            return
        }
        expectAllow(room.send(knock))
        expectAllow(room.check(room.member(Users.bob, "leave")))  // withdrawing the knock
        expectReject(
            room.check(room.member(Users.carol, "knock", sender: Users.bob)), "cannot knock for",
            rule: Self.rule(version, "knock", 2))
        // The knock is answered with an invite, which lets bob join a knock room.
        room.mustSend(room.member(Users.bob, "invite", sender: Users.alice))
        expectReject(
            room.check(room.member(Users.bob, "knock")), "already invite", rule: Self.rule(version, "knock", 4))
        expectAllow(room.check(room.member(Users.bob, "join")))
        room.mustSend(room.member(Users.carol, "ban", sender: Users.alice))
        expectReject(room.check(room.member(Users.carol, "knock")), "already ban")
    }

    @Test(arguments: RoomVersion.versions(7...12))
    func knockNeedsAKnockJoinRule(_ version: RoomVersion) {
        for joinRule in ["public", "invite", "restricted"] {
            var room = TestRoom.standard(version, joinRule: joinRule)
            expectReject(
                room.check(room.member(Users.bob, "knock")), "does not allow knocking",
                rule: Self.rule(version, "knock", 1))
        }
    }

    @Test(arguments: RoomVersion.all)
    func unknownMembership(_ version: RoomVersion) {
        var room = TestRoom.standard(version)
        expectReject(room.check(room.member(Users.bob, "lurk")), "unknown membership")
        let noMembership = room.event("m.room.member", sender: Users.bob, stateKey: Users.bob, content: [:])
        expectReject(room.check(noMembership), "no membership", rule: "\(Self.memberRule(version)).1")
    }

    /// A restricted room with dave joined at 50 (invite level 50) and carol joined at 0.
    private func restrictedRoom(_ version: RoomVersion, joinRule: String) -> TestRoom {
        var room = TestRoom.standard(version, joinRule: joinRule, users: [Users.dave: 50], powerLevels: ["invite": 50])
        room.join(Users.dave)
        room.join(Users.carol)
        return room
    }

    private func restrictedJoin(_ room: inout TestRoom, via authoriser: String?) -> PDU {
        let content: JSONObject = authoriser.map { ["join_authorised_via_users_server": .string($0)] } ?? [:]
        return room.member(Users.bob, "join", content: content)
    }

    @Test(arguments: RoomVersion.all)
    func restrictedJoinsNeedAnAuthorisingUserWhoMayInvite(_ version: RoomVersion) {
        var room = restrictedRoom(version, joinRule: "restricted")
        guard version.restrictedJoins else {
            expectReject(room.check(restrictedJoin(&room, via: Users.dave)), "does not let")
            return
        }
        let rule = Self.rule(version, "join", 5)
        expectReject(room.check(restrictedJoin(&room, via: nil)), "no join_authorised_via_users_server", rule: rule)
        expectReject(room.check(restrictedJoin(&room, via: Users.carol)), "may not invite", rule: rule)
        expectReject(room.check(restrictedJoin(&room, via: "@zed:z.example")), "not joined", rule: rule)
        expectAllow(room.check(restrictedJoin(&room, via: Users.dave)))
        // An invited user needs no authoriser.
        room.mustSend(room.member(Users.bob, "invite", sender: Users.alice))
        expectAllow(room.check(restrictedJoin(&room, via: nil)))
    }

    @Test(arguments: RoomVersion.all)
    func knockRestrictedFromV10(_ version: RoomVersion) {
        var room = restrictedRoom(version, joinRule: "knock_restricted")
        guard version.knockRestricted else {
            expectReject(room.check(restrictedJoin(&room, via: Users.dave)), "does not let")
            if version.knocking {
                expectReject(room.check(room.member(Users.bob, "knock")), "does not allow knocking")
            }
            return
        }
        expectAllow(room.check(room.member(Users.bob, "knock")))
        expectAllow(room.check(restrictedJoin(&room, via: Users.dave)))
        expectReject(room.check(restrictedJoin(&room, via: Users.carol)), "may not invite")
    }
}
